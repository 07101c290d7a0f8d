namespace DataVault.Policy.Model;

/// <summary>One policy line as read: its type (<c>p</c>, <c>g2</c>…), values, and 1-based line number.</summary>
internal sealed record PolicyLine(string PType, string[] Values, int Line, int Column);

/// <summary>
/// Reads Casbin policy CSV: one rule per line, <c>ptype, v0, v1…</c>; blank lines and lines starting with
/// <c>#</c> are skipped; fields are trimmed; a field in double quotes may hold commas, and <c>""</c> inside
/// quotes is one quote (RFC 4180, as Casbin's file adapter reads it).
/// </summary>
internal static class PolicyCsv
{
    public static PolicyResult<IReadOnlyList<PolicyLine>> Parse(string text, string file)
    {
        var lines = new List<PolicyLine>();
        var errors = new List<PolicyError>();
        var fields = new List<string>();
        string? lastType = null;
        var lineNumber = 0;
        var position = 0;
        // Scans the text line by line without splitting it into line strings first: a large policy
        // (100k+ lines) then allocates only its field values.
        while (position <= text.Length)
        {
            var end = text.IndexOf('\n', position);
            if (end < 0)
            {
                end = text.Length;
            }
            lineNumber++;
            var raw = text.AsSpan(position, end - position);
            position = end + 1;
            var trimmed = raw.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                continue;
            }
            var column = raw.Length - raw.TrimStart().Length + 1;
            List<string> current;
            if (trimmed.Contains('"'))
            {
                if (SplitLine(trimmed.ToString(), out var quoted, out var errorAt) is { } error)
                {
                    errors.Add(new PolicyError(file, lineNumber, column + errorAt, error));
                    continue;
                }
                current = quoted;
            }
            else
            {
                fields.Clear();
                var rest = trimmed;
                while (true)
                {
                    var comma = rest.IndexOf(',');
                    var field = (comma < 0 ? rest : rest[..comma]).Trim();
                    if (fields.Count == 0 && lastType is not null && field.SequenceEqual(lastType))
                    {
                        fields.Add(lastType);
                    }
                    else
                    {
                        fields.Add(field.ToString());
                    }
                    if (comma < 0)
                    {
                        break;
                    }
                    rest = rest[(comma + 1)..];
                }
                current = fields;
            }
            if (current.Count < 2)
            {
                errors.Add(new PolicyError(file, lineNumber, column, "a policy line needs a type and at least one value"));
                continue;
            }
            lastType = current[0];
            var values = new string[current.Count - 1];
            current.CopyTo(1, values, 0, values.Length);
            lines.Add(new PolicyLine(current[0], values, lineNumber, column));
        }
        return errors.Count > 0
            ? PolicyResult<IReadOnlyList<PolicyLine>>.Failure(errors)
            : PolicyResult<IReadOnlyList<PolicyLine>>.Success(lines);
    }

    /// <summary>Splits one CSV line; returns an error message (and its 0-based offset) or null.</summary>
    public static string? SplitLine(string line, out List<string> fields, out int errorAt)
    {
        errorAt = 0;
        if (!line.Contains('"', StringComparison.Ordinal))
        {
            // The common case: no quoting, so a split and a trim per field.
            var parts = line.Split(',');
            fields = new List<string>(parts.Length);
            foreach (var part in parts)
            {
                fields.Add(part.Trim());
            }
            return null;
        }
        fields = [];
        var i = 0;
        while (true)
        {
            while (i < line.Length && line[i] is ' ' or '\t')
            {
                i++;
            }
            if (i < line.Length && line[i] == '"')
            {
                var start = i;
                var sb = new System.Text.StringBuilder();
                i++;
                var closed = false;
                while (i < line.Length)
                {
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            sb.Append('"');
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i++;
                        break;
                    }
                    sb.Append(line[i]);
                    i++;
                }
                if (!closed)
                {
                    errorAt = start;
                    return "unterminated quoted field";
                }
                while (i < line.Length && line[i] is ' ' or '\t')
                {
                    i++;
                }
                if (i < line.Length && line[i] != ',')
                {
                    errorAt = i;
                    return "expected ',' after a quoted field";
                }
                fields.Add(sb.ToString());
            }
            else
            {
                var comma = line.IndexOf(',', i);
                var end = comma < 0 ? line.Length : comma;
                fields.Add(line[i..end].Trim());
                i = end;
            }
            if (i >= line.Length)
            {
                return null;
            }
            i++; // the comma
        }
    }
}
