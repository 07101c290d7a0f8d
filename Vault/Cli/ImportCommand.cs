using System.CommandLine;
using DataVault.Vault.Import;

namespace DataVault.Vault.Cli;

/// <summary><c>import FILE [--encoding utf-8|gb18030] [--skip-invalid] [--rejects FILE]</c> (docs/verbs.md).</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "CSV file; header row = field keys of policies/fields.csv." };
        var encoding = new Option<string?>("--encoding") { Description = "utf-8 or gb18030 (default: detected)." };
        encoding.AcceptOnlyFromAmong("utf-8", "gb18030");
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Import the valid rows and write the bad ones to the rejects file." };
        var rejects = new Option<FileInfo?>("--rejects") { Description = "Where rejected rows go (default: FILE.rejects.csv, owner-only)." };
        var command = new Command("import", "导入居民 CSV / Import residents from CSV (all rows validated first).") { file, encoding, skipInvalid, rejects };
        command.SetAction(async (parse, ct) =>
        {
            var input = parse.GetValue(file)!;
            if (!input.Exists)
            {
                await Console.Error.WriteLineAsync($"import: file not found: {input.FullName}");
                return 2;
            }
            await using var app = await VaultCommandLine.BuildHostAsync(ct);
            var importer = app.Services.GetRequiredService<ResidentImporter>();
            var request = new ImportRequest(parse.GetValue(encoding), parse.GetValue(skipInvalid),
                (parse.GetValue(rejects) ?? new FileInfo(input.FullName + ".rejects.csv")).FullName);
            var report = await importer.ImportAsync(input.FullName, request, ct);

            // Errors name row, field and reason; the validator never puts an L3+ value in a reason.
            foreach (var error in report.Errors.Take(200))
            {
                await Console.Error.WriteLineAsync(error.ToString());
            }
            if (report.Errors.Count > 200)
            {
                await Console.Error.WriteLineAsync($"... and {report.Errors.Count - 200} more errors");
            }
            if (!report.Imported)
            {
                await Console.Error.WriteLineAsync($"import: {report.Errors.Count} errors in {report.Rejected} rows ({report.EncodingName}); nothing was imported. Fix them, or use --skip-invalid.");
                return 1;
            }
            Console.WriteLine($"import ({report.EncodingName}): {report.Rows} rows: {report.Created} created, {report.Updated} updated, {report.Unchanged} unchanged, {report.Rejected} rejected");
            foreach (var o in report.Outcomes.Where(o => o.Kind == Residents.WriteKind.Updated))
            {
                Console.WriteLine($"  row {o.Row}: resident {o.ResidentId} updated: {string.Join(", ", o.ChangedKeys)}");
            }
            if (report.Rejected > 0)
            {
                Console.WriteLine($"rejected rows written to {request.RejectsPath} (owner-only; it holds the submitted values, delete it when fixed)");
            }
            return 0;
        });
        return command;
    }
}
