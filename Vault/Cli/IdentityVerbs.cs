using System.CommandLine;
using DataVault.Identity.Management;

namespace DataVault.Vault.Cli;

/// <summary>
/// <c>clients</c> and <c>users</c>: register API consumers and people. Secrets and passwords are
/// read from files (never from the command line, where they would land in shell history and
/// process listings) and never printed.
/// </summary>
internal static class IdentityVerbs
{
    public static Command ClientsCommand()
    {
        var clients = new Command("clients", "API consumers (client credentials), one unit each / API 客户端");

        var id = new Option<string>("--id") { Description = "client id", Required = true };
        var role = new Option<string>("--role") { Description = "role of the unit", Required = true };
        var jurisdiction = new Option<string>("--jurisdiction") { Description = "jurisdiction code", Required = true };
        var department = new Option<string?>("--department") { Description = "department (caseworkers)" };
        var secretFile = new Option<FileInfo>("--secret-file") { Description = "file holding the client secret (32+ characters)", Required = true };
        var add = new Command("add", "register a client") { id, role, jurisdiction, department, secretFile };
        add.SetAction(async (parse, ct) =>
        {
            var secret = await ReadSecretAsync(parse.GetRequiredValue(secretFile), ct);
            if (secret is null)
            {
                return Fail("cannot read the secret file");
            }
            return await WithAsync<ClientRegistry>(ct, async registry =>
            {
                var error = await registry.AddApiClientAsync(parse.GetRequiredValue(id), parse.GetRequiredValue(role), parse.GetRequiredValue(jurisdiction), parse.GetValue(department), secret, ct);
                return error is null ? Done($"client {parse.GetRequiredValue(id)} added") : Fail(error);
            });
        });

        var list = new Command("list", "list clients and their units");
        list.SetAction((parse, ct) => WithAsync<ClientRegistry>(ct, async registry =>
        {
            Console.WriteLine($"{"CLIENT",-32} {"ROLE",-18} {"JURISDICTION",-16} DEPARTMENT");
            foreach (var c in await registry.ListApiClientsAsync(ct))
            {
                Console.WriteLine($"{c.ClientId,-32} {c.Role,-18} {c.Jurisdiction,-16} {c.Department ?? "-"}");
            }
            return 0;
        }));

        var removeId = new Argument<string>("ID") { Description = "client id" };
        var remove = new Command("remove", "remove a client and every token issued to it") { removeId };
        remove.SetAction((parse, ct) => WithAsync<ClientRegistry>(ct, async registry =>
            await registry.RemoveAsync(parse.GetRequiredValue(removeId), ct) ? Done("removed") : Fail("no such client")));

        clients.Subcommands.Add(add);
        clients.Subcommands.Add(list);
        clients.Subcommands.Add(remove);
        return clients;
    }

    public static Command UsersCommand()
    {
        var users = new Command("users", "people who sign in: officers and residents / 用户");

        var userName = new Option<string>("--username") { Description = "username", Required = true };
        var role = new Option<string>("--role") { Description = "role", Required = true };
        var jurisdiction = new Option<string>("--jurisdiction") { Description = "jurisdiction code", Required = true };
        var department = new Option<string?>("--department") { Description = "department (caseworkers)" };
        var phone = new Option<string?>("--phone") { Description = "mainland mobile number (required for residents)" };
        var passwordFile = new Option<FileInfo>("--password-file") { Description = "file holding the password (12+ characters)", Required = true };
        var add = new Command("add", "add a user") { userName, role, jurisdiction, department, phone, passwordFile };
        add.SetAction(async (parse, ct) =>
        {
            var password = await ReadSecretAsync(parse.GetRequiredValue(passwordFile), ct);
            if (password is null)
            {
                return Fail("cannot read the password file");
            }
            return await WithAsync<UserRegistry>(ct, async registry =>
            {
                var error = await registry.AddAsync(parse.GetRequiredValue(userName), parse.GetRequiredValue(role), parse.GetRequiredValue(jurisdiction), parse.GetValue(department), parse.GetValue(phone), password);
                return error is null ? Done($"user {parse.GetRequiredValue(userName)} added") : Fail(error);
            });
        });

        var list = new Command("list", "list users (no phone numbers, no secrets)");
        list.SetAction((parse, ct) => WithAsync<UserRegistry>(ct, async registry =>
        {
            Console.WriteLine($"{"USER",-24} {"ROLE",-18} {"JURISDICTION",-16} {"DEPARTMENT",-20} {"MFA",-4} LOCKED");
            foreach (var u in await registry.ListAsync(ct))
            {
                Console.WriteLine($"{u.UserName,-24} {u.Role,-18} {u.Jurisdiction,-16} {u.Department ?? "-",-20} {(u.SecondFactorEnabled ? "yes" : "no"),-4} {(u.LockedOut ? "yes" : "no")}");
            }
            return 0;
        }));

        var lockName = new Argument<string>("USERNAME");
        var lockCommand = new Command("lock", "lock a user until unlocked by an operator") { lockName };
        lockCommand.SetAction((parse, ct) => WithAsync<UserRegistry>(ct, async registry =>
            await registry.LockAsync(parse.GetRequiredValue(lockName)) ? Done("locked") : Fail("no such user")));

        var resetName = new Argument<string>("USERNAME");
        var resetMfa = new Command("reset-mfa", "remove a user's authenticator; they enrol a new one at the next sign-in") { resetName };
        resetMfa.SetAction((parse, ct) => WithAsync<UserRegistry>(ct, async registry =>
            await registry.ResetSecondFactorAsync(parse.GetRequiredValue(resetName)) ? Done("second factor reset") : Fail("no such user")));

        users.Subcommands.Add(add);
        users.Subcommands.Add(list);
        users.Subcommands.Add(lockCommand);
        users.Subcommands.Add(resetMfa);
        return users;
    }

    private static async Task<int> WithAsync<T>(CancellationToken ct, Func<T, Task<int>> action) where T : notnull
    {
        await using var app = await VaultCommandLine.BuildHostAsync(ct);
        await using var scope = app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<T>());
    }

    private static async Task<string?> ReadSecretAsync(FileInfo file, CancellationToken ct)
    {
        try
        {
            return (await File.ReadAllTextAsync(file.FullName, ct)).TrimEnd('\r', '\n');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int Done(string message)
    {
        Console.WriteLine(message);
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("error: " + message);
        return 1;
    }
}
