using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DataVault.Vault.Api;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.Views;

namespace DataVault.Vault.Oversight;

/// <summary>
/// <c>policy explain-field</c>: the policy side of an explanation against a policy folder on disk, no
/// vault or database needed, so a privacy officer can ask "why" of a draft before it is submitted. The
/// same <see cref="PolicyExplainer"/> the API and console use; grants and break-glass live in the
/// store and are not in files, so they are only in the API's answer.
/// </summary>
internal static class ExplainFieldCommand
{
    public static Command Create()
    {
        var folder = new Option<string>("--policies") { Description = "The DataVault policy folder (model.conf, policy.csv, fields.csv, jurisdictions.csv…).", DefaultValueFactory = _ => "policies" };
        var role = new Option<string>("--role") { Description = "The caller's role (roles.csv).", Required = true };
        var jurisdiction = new Option<string>("--jurisdiction") { Description = "The jurisdiction the role is held at.", Required = true };
        var department = new Option<string?>("--department") { Description = "The caller's department (caseworkers)." };
        var resident = new Option<string>("--resident-jurisdiction") { Description = "Where the resident lives: a community or grid code.", Required = true };
        var field = new Option<string>("--field") { Description = "The field key (fields.csv).", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "The purpose (purposes.csv).", Required = true };
        var at = new Option<string?>("--at") { Description = "Compose time windows as of this instant (ISO 8601 with offset); default now." };
        var json = new Option<bool>("--json") { Description = "Print the explanation as JSON (the API's policy part)." };
        var command = new Command("explain-field", "Explain what a DataVault policy folder gives one unit of one field of a resident: the right, every matching line (the deciding one marked) and why.")
        {
            folder, role, jurisdiction, department, resident, field, purpose, at, json,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            DateTimeOffset? instant = null;
            if (parse.GetValue(at) is { } text)
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
                {
                    error.WriteLine($"error: --at '{text}' is not an ISO 8601 instant");
                    return 2;
                }
                instant = parsed;
            }
            var (loaded, errors) = DataVaultPolicyFolder.Load(parse.GetValue(folder)!, instant ?? DateTimeOffset.UtcNow);
            if (loaded is null || errors.Count > 0)
            {
                foreach (var e in errors)
                {
                    error.WriteLine(e.ToString());
                }
                return 1;
            }
            var enforcer = loaded.LoadEnforcer();
            if (!enforcer.IsSuccess)
            {
                foreach (var e in enforcer.Errors)
                {
                    error.WriteLine(e.ToString());
                }
                return 1;
            }
            var key = parse.GetValue(field)!;
            if (!loaded.Schema.TryGet(key, out var definition))
            {
                error.WriteLine($"error: unknown field '{key}' (see fields.csv)");
                return 2;
            }
            var residentJurisdiction = parse.GetValue(resident)!;
            if (loaded.Tree.Find(residentJurisdiction) is null)
            {
                error.WriteLine($"error: unknown jurisdiction '{residentJurisdiction}' (see jurisdictions.csv)");
                return 2;
            }
            var view = new ViewKey(parse.GetValue(role)!, parse.GetValue(jurisdiction)!, parse.GetValue(department) ?? "", residentJurisdiction, parse.GetValue(purpose)!);
            var explanation = PolicyExplainer.Explain(enforcer.Value, loaded.PolicyText, view, definition, loaded.Tree);
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    fidelity = explanation.Fidelity.Name(),
                    served = AccessResolver.Access(definition, explanation.Fidelity, RightSource.Policy).Served.Name(),
                    rules = explanation.Rules,
                    notes = explanation.Notes,
                }, new JsonSerializerOptions(ApiJson.Options) { WriteIndented = true }));
                return 0;
            }
            Print(output, view, definition, explanation);
            return 0;
        });
        return command;
    }

    private static void Print(TextWriter output, ViewKey view, Schema.FieldDefinition field, PolicyExplanation explanation)
    {
        var served = AccessResolver.Access(field, explanation.Fidelity, RightSource.Policy).Served;
        output.WriteLine($"{view.Role}{(view.Department.Length > 0 ? ":" + view.Department : "")}@{view.CallerJurisdiction} → {field.Key} ({field.Level}) of a resident in {view.ResidentJurisdiction}, for {view.Purpose}");
        output.WriteLine($"right: {explanation.Fidelity.Name()}; a read serves: {served.Name()}");
        foreach (var rule in explanation.Rules)
        {
            var window = rule.Window is { } w ? $" [window {w.From}/{w.Until}]" : "";
            var via = rule.Via.Count > 0 ? "; via " + string.Join("; ", rule.Via) : "";
            output.WriteLine($"{(rule.Deciding ? "*" : " ")} {rule.File}:{rule.Line}: {rule.Text}  (gives {rule.Fidelity}{via}){window}");
        }
        if (explanation.Rules.Count == 0)
        {
            output.WriteLine("  no policy line matches");
        }
        foreach (var note in explanation.Notes)
        {
            output.WriteLine($"note {note.Code}: {note.Zh} / {note.En}");
        }
    }
}
