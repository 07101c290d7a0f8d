using System.CommandLine;

namespace DataVault.Vault.Witness;

/// <summary>
/// <c>witness init|key|serve</c> (docs/verbs.md): an independent witness of the vault's district logs.
/// It needs no vault store, master key or account: only the logs' public checkpoint keys.
/// </summary>
internal static class WitnessCommand
{
    public static Command Create()
    {
        var state = new Option<string>("--state") { Description = "见证者状态目录 / The witness's state directory (its key and the checkpoints it cosigned).", Required = true };
        var name = new Option<string>("--name") { Description = "见证者名称 / The witness's name, a schema-less URL such as witness.jinjiang.example/w1.", Required = true };
        var init = new Command("init", "创建见证者密钥 / Create the witness key; prints its verifier key.") { state, name };
        init.SetAction(parse =>
        {
            try
            {
                Console.WriteLine(WitnessHost.Init(parse.GetValue(state)!, parse.GetValue(name)!));
                return 0;
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine("witness init: " + e.Message);
                return 2;
            }
        });

        var key = new Command("key", "显示见证者验证密钥 / Print the witness's verifier key (for AccessLog:Witnesses).") { state };
        key.SetAction(parse => Run(() => Console.WriteLine(WitnessHost.Load(parse.GetValue(state)!, []).VerifierKey)));

        var log = new Option<string[]>("--log")
        {
            Description = "所见证日志的检查点验证密钥 / A log to witness: its checkpoint verifier key (GET /api/v1/access-log/{logId}/checkpoint/key). Repeatable.",
            Required = true, AllowMultipleArgumentsPerToken = false,
        };
        var listen = new Option<string>("--listen") { Description = "监听地址 / Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:7380" };
        var serve = new Command("serve", "运行见证服务 / Serve POST /add-checkpoint (C2SP tlog-witness) until stopped.") { state, log, listen };
        serve.SetAction(async (parse, ct) =>
        {
            Witness witness;
            try
            {
                witness = WitnessHost.Load(parse.GetValue(state)!, [.. parse.GetValue(log)!.Select(WitnessHost.ParseLog)]);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                await Console.Error.WriteLineAsync("witness serve: " + e.Message);
                return 2;
            }
            await using var app = WitnessHost.Build(witness, parse.GetValue(listen)!);
            await app.StartAsync(ct);
            Console.WriteLine($"witness {witness.Name} listening on {string.Join(", ", app.Urls)}; verifier key {witness.VerifierKey}");
            await app.WaitForShutdownAsync(ct);
            return 0;
        });

        return new Command("witness", "见证者 / An independent witness of the access logs: cosigns checkpoints that extend the last one it saw.") { init, key, serve };
    }

    private static int Run(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            Console.Error.WriteLine("witness: " + e.Message);
            return 2;
        }
    }
}
