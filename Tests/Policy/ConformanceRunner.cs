using System.Text.Json;
using DataVault.Policy;

namespace DataVault.Tests.Policy;

/// <summary>
/// Applies one conformance case to an <see cref="Enforcer"/>: operations through the management and RBAC
/// API, enforce checks (with explanation and context), and call checks with their comparison mode.
/// Arguments are bound to the typed C# API; a call whose arguments cannot be bound (for example two domains
/// where the API takes one) is reported as an error, which is what the reference's variadic form returns.
/// </summary>
internal sealed class ConformanceRunner
{
    private readonly Enforcer _enforcer;

    private ConformanceRunner(Enforcer enforcer) => _enforcer = enforcer;

    /// <summary>What a check of the loaded model and policy reports (<see cref="Enforcer.Check"/>).</summary>
    public IReadOnlyList<PolicyError> Check() => _enforcer.Check();

    public static ConformanceRunner? Load(JsonElement testCase, out IReadOnlyList<PolicyError> errors)
    {
        var folder = ConformanceSuite.Folder;
        string? policyPath = testCase.TryGetProperty("policy", out var p) && p.ValueKind == JsonValueKind.String
            ? Path.Combine(folder, p.GetString()!)
            : null;
        PolicyResult<Enforcer> result;
        if (testCase.TryGetProperty("model_text", out var text))
        {
            result = Enforcer.FromText(text.GetString()!, policyPath is null ? null : File.ReadAllText(policyPath));
        }
        else
        {
            result = Enforcer.FromFiles(Path.Combine(folder, testCase.GetProperty("model").GetString()!), policyPath);
        }
        errors = result.Errors;
        return result.IsSuccess ? new ConformanceRunner(result.Value) : null;
    }

    /// <summary>A request or argument value: string, number (double), bool, null, or a JSON attribute object.</summary>
    public static object? ToRequestValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => e.Clone(),
    };

    public void Step(JsonElement step, List<string> failures)
    {
        var expectError = step.TryGetProperty("expect_error", out var ee) && ee.GetBoolean();
        if (step.TryGetProperty("request", out var request))
        {
            Enforce(step, request, expectError, failures);
        }
        else if (step.TryGetProperty("call", out var call))
        {
            Call(call.GetString()!, step, expectError, failures);
        }
        else
        {
            var op = step.GetProperty("op").GetString()!;
            var args = step.GetProperty("args");
            var ok = Operation(op, args);
            if (expectError && ok)
            {
                failures.Add($"{op}{args.GetRawText()}: expected an error");
            }
            else if (!expectError && !ok)
            {
                failures.Add($"{op}{args.GetRawText()}: returned an error");
            }
        }
    }

    private void Enforce(JsonElement step, JsonElement request, bool expectError, List<string> failures)
    {
        var values = request.EnumerateArray().Select(ToRequestValue).ToArray();
        var context = new EnforceContext();
        if (step.TryGetProperty("context", out var c))
        {
            context = new EnforceContext(c.GetProperty("r").GetString()!, c.GetProperty("p").GetString()!, c.GetProperty("e").GetString()!, c.GetProperty("m").GetString()!);
        }
        var result = _enforcer.EnforceExWithContext(context, values);
        var label = $"enforce {request.GetRawText()}";
        if (expectError)
        {
            if (result.Error is null)
            {
                failures.Add($"{label}: expected an error, got {result.Allowed}");
            }
            return;
        }
        if (result.Error is not null)
        {
            failures.Add($"{label}: error {result.Error}");
            return;
        }
        if (step.TryGetProperty("expect", out var expect) && expect.GetBoolean() != result.Allowed)
        {
            failures.Add($"{label}: expected {expect.GetBoolean()}, got {result.Allowed}");
        }
        // The plain Enforce must agree with EnforceEx.
        if (_enforcer.EnforceWithContext(context, values) != result.Allowed)
        {
            failures.Add($"{label}: Enforce and EnforceEx disagree");
        }
        if (step.TryGetProperty("explain", out var explain))
        {
            var expected = explain.EnumerateArray().Select(e => e.GetString()!).ToList();
            var actual = result.Rule?.Values.ToList() ?? [];
            if (!expected.SequenceEqual(actual))
            {
                failures.Add($"{label}: explain expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
            }
        }
    }

    private static string S(JsonElement args, int i) => args[i].ValueKind == JsonValueKind.String ? args[i].GetString()! : args[i].GetRawText();

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText())];

    private static string[] Rule(JsonElement args, int from = 0) =>
        args.GetArrayLength() > from && args[from].ValueKind == JsonValueKind.Array ? Strings(args[from]) : [.. Strings(args).Skip(from)];

    private static List<string[]> Rows(JsonElement rows) => [.. rows.EnumerateArray().Select(Strings)];

    private static string? OptionalDomain(JsonElement args, int index) => args.GetArrayLength() > index ? S(args, index) : null;

    /// <summary>Applies an operation; false means it returned an error.</summary>
    private bool Operation(string op, JsonElement args)
    {
        var n = args.GetArrayLength();
        switch (op)
        {
            case "AddPolicy": _enforcer.AddPolicy(Rule(args)); return true;
            case "RemovePolicy": _enforcer.RemovePolicy(Rule(args)); return true;
            case "AddGroupingPolicy": _enforcer.AddGroupingPolicy(Rule(args)); return true;
            case "RemoveGroupingPolicy": _enforcer.RemoveGroupingPolicy(Rule(args)); return true;
            case "AddNamedPolicy": _enforcer.AddNamedPolicy(S(args, 0), Rule(args, 1)); return true;
            case "RemoveNamedPolicy": _enforcer.RemoveNamedPolicy(S(args, 0), Rule(args, 1)); return true;
            case "AddNamedGroupingPolicy": _enforcer.AddNamedGroupingPolicy(S(args, 0), Rule(args, 1)); return true;
            case "RemoveNamedGroupingPolicy": _enforcer.RemoveNamedGroupingPolicy(S(args, 0), Rule(args, 1)); return true;
            case "AddPolicies": _enforcer.AddPolicies(Rows(args[0])); return true;
            case "RemovePolicies": _enforcer.RemovePolicies(Rows(args[0])); return true;
            case "AddPoliciesEx": _enforcer.AddPoliciesEx(Rows(args[0])); return true;
            case "AddGroupingPolicies": _enforcer.AddGroupingPolicies(Rows(args[0])); return true;
            case "RemoveGroupingPolicies": _enforcer.RemoveGroupingPolicies(Rows(args[0])); return true;
            case "AddGroupingPoliciesEx": _enforcer.AddGroupingPoliciesEx(Rows(args[0])); return true;
            case "AddNamedPoliciesEx": _enforcer.AddNamedPoliciesEx(S(args, 0), Rows(args[1])); return true;
            case "AddNamedGroupingPolicies": _enforcer.AddNamedGroupingPolicies(S(args, 0), Rows(args[1])); return true;
            case "RemoveNamedGroupingPolicies": _enforcer.RemoveNamedGroupingPolicies(S(args, 0), Rows(args[1])); return true;
            case "AddNamedGroupingPoliciesEx": _enforcer.AddNamedGroupingPoliciesEx(S(args, 0), Rows(args[1])); return true;
            case "SelfAddPoliciesEx": _enforcer.SelfAddPoliciesEx(S(args, 0), S(args, 1), Rows(args[2])); return true;
            case "UpdatePolicy": _enforcer.UpdatePolicy(Strings(args[0]), Strings(args[1])); return true;
            case "UpdatePolicies": _enforcer.UpdatePolicies(Rows(args[0]), Rows(args[1])); return true;
            case "UpdateGroupingPolicy": _enforcer.UpdateGroupingPolicy(Strings(args[0]), Strings(args[1])); return true;
            case "UpdateGroupingPolicies": _enforcer.UpdateGroupingPolicies(Rows(args[0]), Rows(args[1])); return true;
            case "RemoveFilteredPolicy": _enforcer.RemoveFilteredPolicy(args[0].GetInt32(), [.. Strings(args).Skip(1)]); return true;
            case "RemoveFilteredGroupingPolicy": _enforcer.RemoveFilteredGroupingPolicy(args[0].GetInt32(), [.. Strings(args).Skip(1)]); return true;
            case "AddRoleForUser": _enforcer.AddRoleForUser(S(args, 0), S(args, 1), OptionalDomain(args, 2)); return true;
            case "AddRolesForUser": _enforcer.AddRolesForUser(S(args, 0), Strings(args[1]), OptionalDomain(args, 2)); return true;
            case "DeleteRoleForUser": _enforcer.DeleteRoleForUser(S(args, 0), S(args, 1), OptionalDomain(args, 2)); return true;
            case "DeleteRolesForUser": _enforcer.DeleteRolesForUser(S(args, 0), OptionalDomain(args, 1)); return true;
            case "DeleteUser": return _enforcer.DeleteUser(S(args, 0)).IsSuccess;
            case "DeleteRole": return _enforcer.DeleteRole(S(args, 0)).IsSuccess;
            case "AddRoleForUserInDomain": _enforcer.AddRoleForUserInDomain(S(args, 0), S(args, 1), S(args, 2)); return true;
            case "DeleteRoleForUserInDomain": _enforcer.DeleteRoleForUserInDomain(S(args, 0), S(args, 1), S(args, 2)); return true;
            case "DeleteRolesForUserInDomain": _enforcer.DeleteRolesForUserInDomain(S(args, 0), S(args, 1)); return true;
            case "AddPermissionForUser": _enforcer.AddPermissionForUser(S(args, 0), Rule(args, 1)); return true;
            case "AddPermissionsForUser": _enforcer.AddPermissionsForUser(S(args, 0), [.. args.EnumerateArray().Skip(1).Select(Strings)]); return true;
            case "DeletePermission": _enforcer.DeletePermission(Rule(args)); return true;
            case "DeletePermissionForUser": _enforcer.DeletePermissionForUser(S(args, 0), Rule(args, 1)); return true;
            case "DeletePermissionsForUser": return _enforcer.DeletePermissionsForUser(S(args, 0)).IsSuccess;
            case "DeleteAllUsersByDomain": _enforcer.DeleteAllUsersByDomain(S(args, 0)); return true;
            case "DeleteDomains": _enforcer.DeleteDomains(Strings(args)); return true;
            case "ClearPolicy": _enforcer.ClearPolicy(); return true;
            case "LoadPolicy": return _enforcer.LoadPolicy().Count == 0;
            case "EnableEnforce": _enforcer.EnableEnforce(args[0].GetBoolean()); return true;
            case "EnableAutoSave": _enforcer.EnableAutoSave(args[0].GetBoolean()); return true;
            case "EnableAcceptJsonRequest": _enforcer.EnableAcceptJsonRequest(args[0].GetBoolean()); return true;
            case "AddNamedMatchingFunc": return _enforcer.AddNamedMatchingFunc(S(args, 0), S(args, 1));
            case "AddNamedDomainMatchingFunc": return _enforcer.AddNamedDomainMatchingFunc(S(args, 0), S(args, 1));
            case "AddNamedLinkConditionFunc": return _enforcer.AddNamedLinkConditionFunc(S(args, 0), S(args, 1), S(args, 2), S(args, 3));
            case "AddNamedDomainLinkConditionFunc": return _enforcer.AddNamedDomainLinkConditionFunc(S(args, 0), S(args, 1), S(args, 2), S(args, 3), S(args, 4));
            case "SetRoleManager": return _enforcer.SetMaxHierarchyLevel("g", args[0].GetProperty("maxHierarchyLevel").GetInt32());
            case "SetFieldIndex": _enforcer.SetFieldIndex(S(args, 0), S(args, 1), args[2].GetInt32()); return true;
            default:
                _ = n;
                throw new InvalidOperationException($"operation {op} is not mapped");
        }
    }

    private void Call(string call, JsonElement step, bool expectError, List<string> failures)
    {
        var args = step.GetProperty("args");
        var label = $"{call}{args.GetRawText()}";
        var (value, error) = Invoke(call, args);
        if (expectError)
        {
            if (error is null)
            {
                failures.Add($"{label}: expected an error");
            }
            return;
        }
        if (error is not null)
        {
            failures.Add($"{label}: error {error}");
            return;
        }
        var expect = step.GetProperty("expect");
        var compare = step.TryGetProperty("compare", out var cmp) ? cmp.GetString() : "exact";
        if (!Matches(expect, value, compare!))
        {
            failures.Add($"{label}: expected {expect.GetRawText()} ({compare}), got {JsonSerializer.Serialize(value)}");
        }
    }

    private static bool Matches(JsonElement expect, object? value, string compare)
    {
        if (expect.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value is bool b && b == expect.GetBoolean();
        }
        var rows = expect.EnumerateArray().ToList();
        if (value is IReadOnlyList<IReadOnlyList<string>> table)
        {
            var expected = rows.Select(r => string.Join('\u001f', Strings(r))).ToList();
            var actual = table.Select(r => string.Join('\u001f', r)).ToList();
            return compare == "exact" ? expected.SequenceEqual(actual) : expected.Order(StringComparer.Ordinal).SequenceEqual(actual.Order(StringComparer.Ordinal));
        }
        if (value is IReadOnlyList<string> list)
        {
            var expected = rows.Select(r => r.GetString()!).ToList();
            return compare == "exact" ? expected.SequenceEqual(list) : expected.Order(StringComparer.Ordinal).SequenceEqual(list.Order(StringComparer.Ordinal));
        }
        return false;
    }

    private (object? Value, string? Error) Invoke(string call, JsonElement args)
    {
        var n = args.GetArrayLength();
        var e = _enforcer;
        switch (call)
        {
            case "GetRolesForUser": return n <= 2 ? (e.GetRolesForUser(S(args, 0), OptionalDomain(args, 1)), null) : TooMany();
            case "GetUsersForRole": return n <= 2 ? (e.GetUsersForRole(S(args, 0), OptionalDomain(args, 1)), null) : TooMany();
            case "HasRoleForUser": return n <= 3 ? (e.HasRoleForUser(S(args, 0), S(args, 1), OptionalDomain(args, 2)), null) : TooMany();
            case "GetImplicitRolesForUser": return n <= 2 ? (e.GetImplicitRolesForUser(S(args, 0), OptionalDomain(args, 1)), null) : TooMany();
            case "GetImplicitUsersForRole": return n <= 2 ? (e.GetImplicitUsersForRole(S(args, 0), OptionalDomain(args, 1)), null) : TooMany();
            case "GetPermissionsForUser": return n <= 2 ? (e.GetPermissionsForUser(S(args, 0), OptionalDomain(args, 1)), null) : TooMany();
            case "GetNamedPermissionsForUser": return n <= 3 ? (e.GetNamedPermissionsForUser(S(args, 0), S(args, 1), OptionalDomain(args, 2)), null) : TooMany();
            case "GetImplicitPermissionsForUser": return n <= 2 ? (e.GetImplicitPermissionsForUser(S(args, 0), OptionalDomain(args, 1)), null) : TooMany();
            case "GetNamedImplicitPermissionsForUser": return n <= 4 ? (e.GetNamedImplicitPermissionsForUser(S(args, 0), S(args, 1), S(args, 2), OptionalDomain(args, 3)), null) : TooMany();
            case "HasPermissionForUser": return (e.HasPermissionForUser(S(args, 0), Rule(args, 1)), null);
            case "GetImplicitUsersForPermission": return (e.GetImplicitUsersForPermission(Rule(args)), null);
            case "GetImplicitResourcesForUser": return n <= 2 ? (e.GetImplicitResourcesForUser(S(args, 0), OptionalDomain(args, 1)), null) : TooMany();
            case "GetImplicitUsersForResource": return (e.GetImplicitUsersForResource(S(args, 0)), null);
            case "GetImplicitUsersForResourceByDomain": return (e.GetImplicitUsersForResourceByDomain(S(args, 0), S(args, 1)), null);
            case "GetImplicitObjectPatternsForUser": return (e.GetImplicitObjectPatternsForUser(S(args, 0), S(args, 1), S(args, 2)), null);
            case "GetAllowedObjectConditions":
            {
                var result = e.GetAllowedObjectConditions(S(args, 0), S(args, 1), S(args, 2));
                return result.IsSuccess ? (result.Value, null) : (null, result.Errors[0].Message);
            }
            case "GetRolesForUserInDomain": return (e.GetRolesForUserInDomain(S(args, 0), S(args, 1)), null);
            case "GetUsersForRoleInDomain": return (e.GetUsersForRoleInDomain(S(args, 0), S(args, 1)), null);
            case "GetPermissionsForUserInDomain": return (e.GetPermissionsForUserInDomain(S(args, 0), S(args, 1)), null);
            case "GetDomainsForUser": return (e.GetDomainsForUser(S(args, 0)), null);
            case "GetAllDomains": return (e.GetAllDomains(), null);
            case "GetAllUsersByDomain": return (e.GetAllUsersByDomain(S(args, 0)), null);
            case "GetAllRolesByDomain": return (e.GetAllRolesByDomain(S(args, 0)), null);
            case "GetPolicy": return (e.GetPolicy(), null);
            case "GetGroupingPolicy": return (e.GetGroupingPolicy(), null);
            case "GetFilteredPolicy": return (e.GetFilteredPolicy(args[0].GetInt32(), [.. Strings(args).Skip(1)]), null);
            case "GetFilteredGroupingPolicy": return (e.GetFilteredGroupingPolicy(args[0].GetInt32(), [.. Strings(args).Skip(1)]), null);
            case "GetFilteredNamedPolicyWithMatcher":
            {
                var result = e.GetFilteredNamedPolicyWithMatcher(S(args, 0), S(args, 1));
                return result.IsSuccess ? (result.Value, null) : (null, result.Errors[0].Message);
            }
            case "HasPolicy": return (e.HasPolicy(Rule(args)), null);
            case "HasGroupingPolicy": return (e.HasGroupingPolicy(Rule(args)), null);
            case "GetAllSubjects": return (e.GetAllSubjects(), null);
            case "GetAllObjects": return (e.GetAllObjects(), null);
            case "GetAllActions": return (e.GetAllActions(), null);
            case "GetAllRoles": return (e.GetAllRoles(), null);
            case "GetAllUsers": return (e.GetAllUsers(), null);
            default:
                throw new InvalidOperationException($"call {call} is not mapped");
        }

        static (object?, string?) TooMany() => (null, "the typed API takes at most one domain");
    }
}
