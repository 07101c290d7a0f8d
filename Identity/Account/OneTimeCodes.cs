using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using DataVault.Identity.Storage;

namespace DataVault.Identity.Account;

/// <summary>Delivers a resident's sign-in code (SMS in production). The seam for an SMS gateway.</summary>
public interface IOneTimeCodeSender
{
    /// <summary>Sends <paramref name="code"/> to <paramref name="phoneNumber"/>; false when it could not be sent.</summary>
    Task<bool> SendAsync(string phoneNumber, string code, CancellationToken cancellationToken);
}

/// <summary>
/// The embedded default, for Development only: appends the code to
/// <c>&lt;data&gt;/outbox/one-time-codes.txt</c> (owner-only), with the phone number masked. Never
/// written to the general log. Outside Development it refuses, so a deployment without an SMS
/// gateway fails closed instead of leaking codes into a file.
/// </summary>
internal sealed partial class OutboxOneTimeCodeSender(IHostEnvironment environment, IOptions<IdentityStoreOptions> store, TimeProvider time, ILogger<OutboxOneTimeCodeSender> logger) : IOneTimeCodeSender
{
    private static readonly SemaphoreSlim FileGate = new(1, 1);

    public static string OutboxPath(string dataDirectory) => Path.Combine(dataDirectory, "outbox", "one-time-codes.txt");

    public async Task<bool> SendAsync(string phoneNumber, string code, CancellationToken cancellationToken)
    {
        if (!environment.IsDevelopment())
        {
            LogRefused(logger);
            return false;
        }
        var path = OutboxPath(store.Value.DataDirectory);
        Storage.OwnerOnlyFiles.EnsureDirectory(Path.GetDirectoryName(path)!);
        var line = $"{time.GetUtcNow():O}\t{Mask(phoneNumber)}\t{code}\n";
        await FileGate.WaitAsync(cancellationToken);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            await using var writer = new StreamWriter(path, System.Text.Encoding.UTF8, options);
            await writer.WriteAsync(line);
        }
        finally
        {
            FileGate.Release();
        }
        return true;
    }

    /// <summary><c>138****5678</c>: enough for a developer to tell numbers apart.</summary>
    public static string Mask(string phone) => phone.Length == 11 ? $"{phone[..3]}****{phone[7..]}" : "***";

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "One-time code not sent: the outbox sender works only in Development; register an IOneTimeCodeSender for an SMS gateway")]
    private static partial void LogRefused(ILogger logger);
}

internal static class OneTimeCodeSetup
{
    public static IServiceCollection AddOneTimeCodes(this IServiceCollection services)
    {
        // TryAdd: a host that registers its own sender (an SMS gateway) before this keeps it.
        if (services.All(d => d.ServiceType != typeof(IOneTimeCodeSender)))
        {
            services.AddSingleton<IOneTimeCodeSender, OutboxOneTimeCodeSender>();
        }
        return services;
    }
}
