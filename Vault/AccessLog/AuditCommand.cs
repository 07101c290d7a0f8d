using System.CommandLine;
using DataVault.Vault.Cli;

namespace DataVault.Vault.AccessLog;

/// <summary><c>audit verify</c>: checks the whole access log and names the first bad entry.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var checkpoints = new Option<FileInfo[]>("--checkpoint")
        {
            Description = "检查点文件（可重复）：存储的日志必须是其一致延伸，否则视为回滚 / A checkpoint file kept outside the database (repeatable): the stored log must extend it, else it was rolled back",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var verify = new Command("verify", "检查整个访问日志：每条记录与其哈希、每个签名树头 / Check every access-log entry against its hash and every signed tree head") { checkpoints };
        verify.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            await using var app = await VaultCommandLine.BuildHostAsync(cancellationToken);
            var verifier = app.Services.GetRequiredService<AccessLogVerifier>();
            var anchors = new List<LogAnchor>();
            var signer = app.Services.GetRequiredService<TreeHeadSigner>();
            var originPrefix = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AccessLogOptions>>().Value.CheckpointOrigin;
            foreach (var file in parseResult.GetValue(checkpoints) ?? [])
            {
                if (!file.Exists)
                {
                    error.WriteLine($"找不到检查点文件 / No such checkpoint file: {file.FullName}");
                    return 2;
                }
                if (CheckpointNote.TryOpen(await File.ReadAllTextAsync(file.FullName, cancellationToken), file.Name, originPrefix, signer.PublicKey, out var problem) is not { } anchor)
                {
                    error.WriteLine($"检查点无效 / Not a usable checkpoint: {problem}");
                    return 2;
                }
                anchors.Add(anchor);
            }
            // One line per report, as `seed` does: a carriage-return counter garbles logs and CI output,
            // and Progress<T> would post lines after the verdict.
            var progress = new SyncProgress<long>(n => error.WriteLine($"audit: 已检查 {n:N0} 条 / {n:N0} entries checked"));

            var report = await verifier.VerifyAsync(anchors, progress, cancellationToken);
            return Print(report, output);
        });
        return new Command("audit", "访问日志审计 / Access-log audit") { verify };
    }

    /// <summary>Prints the report; exit code 0 when the log is intact, 1 when it is not.</summary>
    internal static int Print(LogVerificationReport report, TextWriter output)
    {
        output.WriteLine($"logs: {report.LogsChecked}  entries: {report.EntriesChecked}  tree heads: {report.TreeHeadsChecked}  checkpoints: {report.CheckpointsChecked}");
        if (report.FirstProblem is { } problem)
        {
            var where = problem.EntryIndex is { } index ? $"district {problem.LogId}, entry {index}" : $"district {problem.LogId}";
            output.WriteLine($"FAILED 访问日志已被篡改 / the access log was tampered with: {where}: {problem.Reason}");
            return 1;
        }
        output.WriteLine("OK 访问日志完整 / the access log is intact");
        return 0;
    }
}
