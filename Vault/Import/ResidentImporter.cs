using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using DataVault.Vault.Residents;

namespace DataVault.Vault.Import;

/// <summary>How an import file is read and what happens to bad rows.</summary>
public sealed record ImportRequest(string? Encoding = null, bool SkipInvalid = false, string? RejectsPath = null);

/// <summary>
/// What an import did. <see cref="Errors"/> name row, field and reason, never an L3+ value.
/// When <see cref="Imported"/> is false nothing was written.
/// </summary>
public sealed record ImportReport(
    string EncodingName,
    int Rows,
    bool Imported,
    int Created,
    int Updated,
    int Unchanged,
    int Rejected,
    IReadOnlyList<RecordError> Errors,
    IReadOnlyList<WriteOutcome> Outcomes);

/// <summary>
/// Imports a CSV whose header row names schema field keys (issue 2, item 9). Every row is
/// validated before anything is written; with any bad row nothing is imported unless
/// <see cref="ImportRequest.SkipInvalid"/> is set, in which case the good rows are written (in one
/// transaction) and the bad ones go to a rejects file.
/// </summary>
internal sealed class ResidentImporter(ResidentValidator validator, ResidentWriter writer)
{
    static ResidentImporter() => System.Text.Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public async Task<ImportReport> ImportAsync(string path, ImportRequest request, CancellationToken ct)
    {
        var bytes = await File.ReadAllBytesAsync(path, ct);
        var encoding = ChooseEncoding(bytes, request.Encoding);
        var text = encoding.GetString(bytes.AsSpan(encoding is UTF8Encoding && HasUtf8Bom(bytes) ? 3 : 0));
        var errors = new List<RecordError>();
        var valid = new List<ValidResident>();
        var rejectedRows = new List<(int Row, string[] Cells, string Reasons)>();

        using var parser = new CsvParser(new StringReader(text), new CsvConfiguration(CultureInfo.InvariantCulture) { TrimOptions = TrimOptions.Trim, BadDataFound = null });
        if (!parser.Read() || parser.Record is not { Length: > 0 } header)
        {
            errors.Add(new RecordError(1, "", "empty file: expected a header row of field keys"));
            return new ImportReport(encoding.WebName, 0, false, 0, 0, 0, 0, errors, []);
        }
        header = [.. header.Select(h => h.Trim().TrimStart('\uFEFF'))];
        // A bad header makes every row bad: report each column once, at row 1, and stop.
        foreach (var (key, i) in header.Select((h, i) => (h, i)))
        {
            if (!validator.Schema.TryGet(key, out _))
            {
                errors.Add(new RecordError(1, key.Length == 0 ? $"column {i + 1}" : key, "unknown field (not in the resident schema)"));
            }
            else if (Array.IndexOf(header, key) != i)
            {
                errors.Add(new RecordError(1, key, "duplicate column"));
            }
        }
        foreach (var required in validator.Schema.Fields.Where(f => f.Required && !header.Contains(f.Key)))
        {
            errors.Add(new RecordError(1, required.Key, "required column missing"));
        }
        if (errors.Count > 0)
        {
            return new ImportReport(encoding.WebName, 0, false, 0, 0, 0, 0, errors, []);
        }

        var rows = 0;
        while (parser.Read())
        {
            var cells = parser.Record!;
            var row = parser.Row;
            if (cells.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }
            rows++;
            if (cells.Length != header.Length)
            {
                var error = new RecordError(row, "", $"expected {header.Length} cells, found {cells.Length}");
                errors.Add(error);
                rejectedRows.Add((row, cells, error.Reason));
                continue;
            }
            var outcome = validator.Validate(row, header.Select((h, i) => new KeyValuePair<string, string?>(h, cells[i])));
            if (outcome.Resident is { } resident)
            {
                valid.Add(resident);
            }
            else
            {
                errors.AddRange(outcome.Errors);
                rejectedRows.Add((row, cells, string.Join("; ", outcome.Errors.Select(e => $"{e.Field}: {e.Reason}"))));
            }
        }

        if (errors.Count > 0 && !request.SkipInvalid)
        {
            return new ImportReport(encoding.WebName, rows, false, 0, 0, 0, rejectedRows.Count, errors, []);
        }

        var outcomes = valid.Count == 0 ? [] : await writer.WriteAsync(valid, ct);
        if (rejectedRows.Count > 0 && request.RejectsPath is { } rejectsPath)
        {
            await WriteRejectsAsync(rejectsPath, header, rejectedRows, encoding, ct);
        }
        return new ImportReport(encoding.WebName, rows, true,
            outcomes.Count(o => o.Kind == WriteKind.Created), outcomes.Count(o => o.Kind == WriteKind.Updated),
            outcomes.Count(o => o.Kind == WriteKind.Unchanged), rejectedRows.Count, errors, outcomes);
    }

    /// <summary>
    /// The rejected rows as they came in, plus row number and reasons, in the input's encoding so the
    /// same spreadsheet opens it. It holds the submitter's own plaintext, so it is created owner-only.
    /// </summary>
    private static async Task WriteRejectsAsync(string path, string[] header, List<(int Row, string[] Cells, string Reasons)> rejects, Encoding encoding, CancellationToken ct)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using var stream = new FileStream(path, options);
        await using var textWriter = new StreamWriter(stream, encoding);
        await using var csv = new CsvWriter(textWriter, CultureInfo.InvariantCulture);
        csv.WriteField("row");
        foreach (var h in header)
        {
            csv.WriteField(h);
        }
        csv.WriteField("reasons");
        await csv.NextRecordAsync();
        foreach (var (row, cells, reasons) in rejects)
        {
            csv.WriteField(row.ToString(CultureInfo.InvariantCulture));
            foreach (var cell in cells)
            {
                csv.WriteField(cell);
            }
            csv.WriteField(reasons);
            await csv.NextRecordAsync();
        }
        await csv.FlushAsync();
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// The encoding given, else UTF-8 when the bytes carry a BOM or decode as strict UTF-8, else
    /// GB18030 (what Excel on a Chinese Windows saves as "CSV"). GB18030 bytes of Chinese text are
    /// almost never valid UTF-8, so the strict decode is a reliable test.
    /// </summary>
    public static Encoding ChooseEncoding(byte[] bytes, string? requested)
    {
        switch (requested?.ToLowerInvariant())
        {
            case "utf-8" or "utf8":
                return new UTF8Encoding(false, true);
            case "gb18030":
                return System.Text.Encoding.GetEncoding("GB18030");
            case null or "" or "auto":
                break;
            default:
                throw new ArgumentException($"unsupported encoding '{requested}' (utf-8 or gb18030)", nameof(requested));
        }
        if (HasUtf8Bom(bytes))
        {
            return new UTF8Encoding(false, true);
        }
        try
        {
            _ = new UTF8Encoding(false, true).GetCharCount(bytes);
            return new UTF8Encoding(false, true);
        }
        catch (DecoderFallbackException)
        {
            return System.Text.Encoding.GetEncoding("GB18030");
        }
    }

    private static bool HasUtf8Bom(byte[] b) => b.Length >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF;
}
