using System.CommandLine;
using System.Text.Json;
using DataVault.Policy;

namespace DataVault.Vault.PolicyFiles;

/// <summary>
/// The <c>policy</c> verbs, a privacy officer's test bench (issue 3, item 8). None needs the database:
/// <list type="bullet">
/// <item><c>policy check DIR_OR_FILES...</c>: validates models and policies; prints <c>file:line:col: message</c> per error.</item>
/// <item><c>policy enforce --model M --policy P</c>: one request per stdin line (CSV fields, or JSON), prints true/false.</item>
/// <item><c>policy explain --model M --policy P REQUEST...</c>: the decision and the policy line that decided it.</item>
/// </list>
/// Exit codes: 0 success; 1 invalid model or policy (or, for check, any error found); 2 a request could not be evaluated.
/// </summary>
internal static class PolicyCommands
{
    /// <summary>Builds the <c>policy</c> command; <paramref name="stdin"/> replaces the console input in tests.</summary>
    public static Command Create(Func<TextReader>? stdin = null)
    {
        var input = stdin ?? (() => Console.In);
        var policy = new Command("policy", "Check, try and explain Casbin models and policies (no database needed).");
        policy.Subcommands.Add(CreateCheck());
        policy.Subcommands.Add(CreateEnforce(input));
        policy.Subcommands.Add(CreateExplain());
        policy.Subcommands.Add(Oversight.ExplainFieldCommand.Create());
        return policy;
    }

    private static Option<string> ModelOption() => new("--model", "-m") { Description = "The model file (.conf).", Required = true };

    private static Option<string> PolicyOption() => new("--policy", "-p") { Description = "The policy file (.csv).", Required = true };

    private static Command CreateCheck()
    {
        var paths = new Argument<string[]>("paths") { Description = "Directories (every *.conf and *.csv in them) or files.", Arity = ArgumentArity.OneOrMore };
        var check = new Command("check", "Validate models and policies: syntax, unknown policy types, field counts, role cycles.") { paths };
        check.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var errors = PolicyCheck.Run(parse.GetValue(paths) ?? [], out var summary);
            foreach (var error in errors)
            {
                output.WriteLine(error.ToString());
            }
            if (errors.Count > 0)
            {
                return 1;
            }
            output.WriteLine(summary);
            return 0;
        });
        return check;
    }

    private static Command CreateEnforce(Func<TextReader> input)
    {
        var model = ModelOption();
        var policy = PolicyOption();
        var enforce = new Command("enforce", "Decide requests read from stdin, one per line (CSV fields, or a JSON array or object), printing true or false.")
        {
            model,
            policy,
        };
        enforce.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (!TryLoad(parse.GetValue(model)!, parse.GetValue(policy)!, parse.InvocationConfiguration.Error, out var enforcer))
            {
                return 1;
            }
            var failed = false;
            var reader = input();
            while (reader.ReadLine() is { } line)
            {
                if (line.Trim().Length == 0)
                {
                    continue;
                }
                var result = ParseRequest(line, enforcer.RequestTokens) is { } request
                    ? enforcer.EnforceEx(request)
                    : EnforceResult.Failed(RequestError(line, enforcer.RequestTokens));
                if (result.Error is not null)
                {
                    output.WriteLine("error: " + result.Error);
                    failed = true;
                }
                else
                {
                    output.WriteLine(result.Allowed ? "true" : "false");
                }
            }
            return failed ? 2 : 0;
        });
        return enforce;
    }

    private static Command CreateExplain()
    {
        var model = ModelOption();
        var policy = PolicyOption();
        var request = new Argument<string[]>("request") { Description = "The request values in the order of r (a value starting with '{' is a JSON attribute object).", Arity = ArgumentArity.OneOrMore };
        var explain = new Command("explain", "Decide one request and show the policy line that decided it.") { model, policy, request };
        explain.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var policyPath = parse.GetValue(policy)!;
            if (!TryLoad(parse.GetValue(model)!, policyPath, parse.InvocationConfiguration.Error, out var enforcer))
            {
                return 1;
            }
            var values = new List<object?>();
            foreach (var raw in parse.GetValue(request) ?? [])
            {
                if (!TryParseValue(raw, out var value))
                {
                    output.WriteLine($"error: '{raw}' is not a valid JSON object");
                    return 2;
                }
                values.Add(value);
            }
            var result = enforcer.EnforceEx([.. values]);
            if (result.Error is not null)
            {
                output.WriteLine("error: " + result.Error);
                return 2;
            }
            output.WriteLine(result.Allowed ? "true" : "false");
            if (result.Rule is { Line: { } line } rule)
            {
                output.WriteLine($"{rule.File}:{line}: {LineText(policyPath, line) ?? rule.ToString()}");
            }
            else if (result.Rule is { } added)
            {
                output.WriteLine("decided by: " + added);
            }
            else
            {
                output.WriteLine("no rule matched");
            }
            return 0;
        });
        return explain;
    }

    private static bool TryLoad(string modelPath, string policyPath, TextWriter error, out LoadedEnforcer enforcer)
    {
        var loaded = Enforcer.FromFiles(modelPath, policyPath);
        if (!loaded.IsSuccess)
        {
            foreach (var e in loaded.Errors)
            {
                error.WriteLine(e.ToString());
            }
            enforcer = null!;
            return false;
        }
        enforcer = new LoadedEnforcer(loaded.Value);
        return true;
    }

    /// <summary>The enforcer and the names of the request fields (for JSON-object requests).</summary>
    private sealed class LoadedEnforcer(Enforcer enforcer)
    {
        public IReadOnlyList<string> RequestTokens { get; } = enforcer.GetRequestTokens();

        public EnforceResult EnforceEx(object?[] request) => enforcer.EnforceEx(request);
    }

    private static string? LineText(string path, int line)
    {
        try
        {
            return File.ReadLines(path).Skip(line - 1).FirstOrDefault()?.Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// One request line: CSV fields (Casbin's quoting), a JSON array of values, or a JSON object keyed by the
    /// request field names (<c>{"sub": {...}, "obj": "data1", "act": "read"}</c>). Null when malformed.
    /// </summary>
    internal static object?[]? ParseRequest(string line, IReadOnlyList<string> tokens)
    {
        var trimmed = line.Trim();
        if (trimmed.StartsWith('[') || trimmed.StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(trimmed);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Array)
                {
                    return [.. root.EnumerateArray().Select(FromJson)];
                }
                var values = new object?[tokens.Count];
                for (var i = 0; i < tokens.Count; i++)
                {
                    if (!root.TryGetProperty(tokens[i], out var field))
                    {
                        return null;
                    }
                    values[i] = FromJson(field);
                }
                return values;
            }
            catch (JsonException)
            {
                return null;
            }
        }
        return CsvLine.Split(trimmed, out _) is { } fields ? [.. fields] : null;
    }

    private static string RequestError(string line, IReadOnlyList<string> tokens)
    {
        var trimmed = line.Trim();
        if (trimmed.StartsWith('{'))
        {
            return $"expected a JSON object with the fields {string.Join(", ", tokens)}";
        }
        return trimmed.StartsWith('[') ? "malformed JSON array" : "malformed CSV (unterminated quote)";
    }

    private static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => e.Clone(),
    };

    private static bool TryParseValue(string raw, out object? value)
    {
        if (!raw.StartsWith('{'))
        {
            value = raw;
            return true;
        }
        try
        {
            using var document = JsonDocument.Parse(raw);
            value = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            value = null;
            return false;
        }
    }
}
