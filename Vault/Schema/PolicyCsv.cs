using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace DataVault.Vault.Schema;

/// <summary>One data line of a policy CSV file, with its 1-based line number (the header is line 1).</summary>
internal sealed record PolicyCsvRow(int Line, IReadOnlyDictionary<string, string> Cells);

/// <summary>
/// Reads the plain CSV files in <c>policies/</c> (schema, jurisdictions, compounds). The header must
/// name exactly the expected columns, in order, so that a diff of the file is a diff of meaning.
/// </summary>
internal static class PolicyCsv
{
    public static (IReadOnlyList<PolicyCsvRow> Rows, IReadOnlyList<PolicyFileError> Errors) Read(string path, IReadOnlyList<string> columns)
    {
        var file = Path.GetFileName(path);
        var rows = new List<PolicyCsvRow>();
        var errors = new List<PolicyFileError>();
        if (!File.Exists(path))
        {
            errors.Add(new PolicyFileError(file, 0, "", $"file not found: {path}"));
            return (rows, errors);
        }

        using var reader = new StreamReader(path, System.Text.Encoding.UTF8);
        using var parser = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { TrimOptions = TrimOptions.Trim });
        if (!parser.Read() || parser.Record is not { } header)
        {
            errors.Add(new PolicyFileError(file, 1, "", "empty file"));
            return (rows, errors);
        }
        if (!header.SequenceEqual(columns, StringComparer.Ordinal))
        {
            errors.Add(new PolicyFileError(file, 1, "", $"header must be '{string.Join(',', columns)}'"));
            return (rows, errors);
        }

        while (parser.Read())
        {
            var record = parser.Record!;
            var line = parser.RawRow;
            if (record.Length == 1 && record[0].Length == 0)
            {
                continue;
            }
            if (record.Length != columns.Count)
            {
                errors.Add(new PolicyFileError(file, line, "", $"expected {columns.Count} columns, found {record.Length}"));
                continue;
            }
            var cells = new Dictionary<string, string>(columns.Count, StringComparer.Ordinal);
            for (var i = 0; i < columns.Count; i++)
            {
                cells[columns[i]] = record[i];
            }
            rows.Add(new PolicyCsvRow(line, cells));
        }
        return (rows, errors);
    }
}
