using System.Net;
using System.Text.Json;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;
using Microsoft.Extensions.Options;

namespace DataVault.Tests.Vault.Matrix;

/// <summary>
/// Issue 5, "Must show": the generated authorization matrix. For every demo role (each department for
/// caseworkers) × a resident inside and one outside its reach × every purpose of purposes.csv, the resident
/// is read over the real API with a real token, and every field of fields.csv is checked against what npm
/// <c>casbin</c> decides on the same composed model and policy: the highest of clear, masked, category,
/// exists it allows is the fidelity served, except that an L4/L5 field decided <c>clear</c> is served
/// <c>masked</c> and listed in <c>revealable</c> (clear only through a logged reveal); a field it allows at
/// no fidelity is absent; a resident it allows nothing of is 404, exactly as a missing one.
/// </summary>
/// <remarks>
/// The model calls no custom function: reach is <c>g2</c>, a role hierarchy generated from
/// jurisdictions.csv, and field groups are <c>g3</c>, so npm casbin needs nothing registered
/// (<see cref="MatrixOracle.CustomFunctions"/> finds any that a later model adds and registers it).
/// The test host has no grants or break-glass: every right here is the policy's.
/// </remarks>
public sealed class AuthorizationMatrixTests
{
    private const string District = "510107";
    private const string OtherDistrict = "510108";

    /// <summary>Who reads whom: the unit the token holds and the resident read.</summary>
    private sealed record MatrixCase(string Role, string? Department, string Jurisdiction, StoredResident Resident, bool Inside)
    {
        public string ResidentJurisdiction => Resident.Values.GetValueOrDefault("grid") ?? Resident.CommunityCode;

        public override string ToString() =>
            $"{UnitRoles.UnitName(Role, Jurisdiction, Department)} reading {(Inside ? "inside" : "outside")} resident {Resident.Id} ({ResidentJurisdiction})";
    }

    [Fact]
    public async Task EveryRoleFieldPurposeAndReach_ServesWhatNpmCasbinDecides()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await ApiTestHost.StartAsync(perCommunity: 30);
        var oracle = MatrixOracle.Require(host.Get<IOptions<SchemaOptions>>().Value.PoliciesDirectory);
        var schema = oracle.Folder.Schema;
        var purposes = host.Get<PurposeCatalog>().All.Select(p => p.Code).Order(StringComparer.Ordinal).ToList();
        var cases = Cases(await host.StoredResidentsAsync());

        var mismatches = new List<string>();
        var served = new Dictionary<Fidelity, int>();
        var (ok, notFound, revealable) = (0, 0, 0);
        foreach (var matrixCase in cases)
        {
            // One oracle job per case: every field × fidelity × purpose.
            var requests = new List<MatrixRequest>();
            foreach (var purpose in purposes)
            {
                foreach (var field in schema.Fields)
                {
                    foreach (var fidelity in FidelityNames.Served)
                    {
                        requests.Add(new MatrixRequest(matrixCase.Role, matrixCase.Jurisdiction, matrixCase.Department ?? "", matrixCase.ResidentJurisdiction, field, fidelity, purpose));
                    }
                }
            }
            var allowed = oracle.Decide(requests);
            if (!matrixCase.Inside)
            {
                // Outside means outside: the reference allows nothing of this resident, for any purpose.
                Assert.True(!allowed.Any(a => a), $"{matrixCase}: npm casbin allows something, so the resident is not outside the role's reach");
            }

            var token = await host.TokenAsync(matrixCase.Role, matrixCase.Jurisdiction, matrixCase.Department);
            var reads = purposes.Select(async (purpose, p) =>
            {
                var expected = Expected(schema, allowed, p);
                using var response = await host.GetAsync($"/api/v1/residents/{matrixCase.Resident.Id}", token, purpose);
                var body = await response.Content.ReadAsStringAsync(ct);
                return (purpose, expected, response.StatusCode, body);
            }).ToList();
            foreach (var (purpose, expected, status, body) in await Task.WhenAll(reads))
            {
                var where = $"{matrixCase}, purpose {purpose}";
                if (expected.Count == 0)
                {
                    notFound++;
                    if (status != HttpStatusCode.NotFound || ProblemCode(body) != "not_found")
                    {
                        mismatches.Add($"{where}: the policy allows nothing, expected 404 not_found, got {(int)status}: {Describe(body)}");
                    }
                    continue;
                }
                if (status != HttpStatusCode.OK)
                {
                    mismatches.Add($"{where}: expected 200 with {expected.Count} fields, got {(int)status}: {Describe(body)}");
                    continue;
                }
                ok++;
                mismatches.AddRange(Compare(where, schema, expected, JsonDocument.Parse(body).RootElement, purpose));
                foreach (var (_, fidelity) in expected)
                {
                    served[Served(fidelity.Field, fidelity.Decided)] = served.GetValueOrDefault(Served(fidelity.Field, fidelity.Decided)) + 1;
                    revealable += Served(fidelity.Field, fidelity.Decided) != fidelity.Decided ? 1 : 0;
                }
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"npm casbin {oracle.OracleVersion}; {cases.Count} cases × {purposes.Count} purposes × {schema.Fields.Count} fields: {ok} reads served, {notFound} 404, "
            + $"fields served {string.Join(", ", served.OrderBy(s => s.Key).Select(s => $"{s.Key.Name()} {s.Value}"))}, {revealable} revealable; {mismatches.Count} mismatches");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} mismatches:\n" + string.Join('\n', mismatches.Take(40)));
        // The matrix must exercise every answer, or it checks less than it claims.
        Assert.True(ok > 0 && notFound > 0, $"{ok} served, {notFound} not found");
        Assert.All(FidelityNames.Served, f => Assert.True(served.GetValueOrDefault(f) > 0, $"no field served at {f.Name()}"));
        Assert.True(revealable > 0, "no L4/L5 field decided clear: the reveal cap is not exercised");
    }

    /// <summary>
    /// Every demo role at a unit that reaches the resident inside, and the same role reading one it does not
    /// reach: the grid worker another grid of its community; the community worker and the street officer a
    /// community of another street; district-level roles (which reach the whole one-district demo) the same
    /// unit held in another district, 510108, reading the inside resident.
    /// </summary>
    private static List<MatrixCase> Cases(IReadOnlyList<StoredResident> residents)
    {
        var inY = residents.Where(r => r.CommunityCode == ApiTestHost.CommunityY).ToList();
        var other = residents.First(r => r.CommunityCode == ApiTestHost.OtherCommunity);
        var gridded = inY.Where(r => r.Values.ContainsKey("grid")).ToList();
        Assert.True(gridded.Count > 0, "the seeder assigned no grid in community Y");
        // Grid 01 of community Y when the seeder put someone there, else the first grid that has a resident.
        var grid = gridded.Select(r => r.Values["grid"]).Order(StringComparer.Ordinal).First();
        var inGrid = gridded.First(r => r.Values["grid"] == grid);
        var otherGrid = gridded.FirstOrDefault(r => r.Values["grid"] != grid) ?? other;
        var inCommunity = inY.First(r => r.Id != inGrid.Id);
        var street = ApiTestHost.CommunityY[..9];
        Assert.False(other.CommunityCode.StartsWith(street, StringComparison.Ordinal), "the other community must be in another street");

        var cases = new List<MatrixCase>
        {
            new(UnitRoles.GridWorker, null, grid, inGrid, true),
            new(UnitRoles.GridWorker, null, grid, otherGrid, false),
            new(UnitRoles.CommunityWorker, null, ApiTestHost.CommunityY, inCommunity, true),
            new(UnitRoles.CommunityWorker, null, ApiTestHost.CommunityY, other, false),
            new(UnitRoles.StreetOfficer, null, street, inGrid, true),
            new(UnitRoles.StreetOfficer, null, street, other, false),
        };
        var districtUnits = new List<(string Role, string? Department)>
        {
            (UnitRoles.DistrictAnalyst, null), (UnitRoles.PrivacyOfficer, null), (UnitRoles.Auditor, null),
        };
        districtUnits.AddRange(UnitRoles.Departments.Select(d => (UnitRoles.Caseworker, (string?)d)));
        foreach (var (role, department) in districtUnits)
        {
            cases.Add(new(role, department, District, inCommunity, true));
            cases.Add(new(role, department, OtherDistrict, inCommunity, false));
        }
        return cases;
    }

    private sealed record Decision(FieldDefinition Field, Fidelity Decided);

    /// <summary>The highest fidelity npm casbin allows per field for purpose number <paramref name="p"/>; fields it allows at none are left out.</summary>
    private static Dictionary<string, Decision> Expected(ResidentSchema schema, bool[] allowed, int p)
    {
        var expected = new Dictionary<string, Decision>(StringComparer.Ordinal);
        var perPurpose = schema.Fields.Count * FidelityNames.Served.Count;
        for (var f = 0; f < schema.Fields.Count; f++)
        {
            for (var k = 0; k < FidelityNames.Served.Count; k++)
            {
                if (allowed[p * perPurpose + f * FidelityNames.Served.Count + k])
                {
                    expected[schema.Fields[f].Key] = new Decision(schema.Fields[f], FidelityNames.Served[k]);
                    break;
                }
            }
        }
        return expected;
    }

    /// <summary>The view rule (DESIGN.md, L4): an L4/L5 field held clear is served masked and is revealable.</summary>
    private static Fidelity Served(FieldDefinition field, Fidelity decided) =>
        decided == Fidelity.Clear && field.Level >= SensitivityLevel.L4 ? Fidelity.Masked : decided;

    private static IEnumerable<string> Compare(string where, ResidentSchema schema, Dictionary<string, Decision> expected, JsonElement body, string purpose)
    {
        var fields = body.GetProperty("fields");
        foreach (var field in schema.Fields)
        {
            var present = fields.TryGetProperty(field.Key, out var value);
            if (!expected.TryGetValue(field.Key, out var decision))
            {
                if (present)
                {
                    yield return $"{where}: field {field.Key} must be absent (the policy allows no fidelity), served {value.GetProperty("fidelity")}";
                }
                continue;
            }
            var want = Served(field, decision.Decided).Name();
            if (!present)
            {
                yield return $"{where}: field {field.Key} absent, policy decides {decision.Decided.Name()} (served {want})";
                continue;
            }
            var got = value.GetProperty("fidelity").GetString();
            if (got != want)
            {
                yield return $"{where}: field {field.Key} served {got}, policy decides {decision.Decided.Name()} (served {want})";
            }
        }
        var wantRevealable = expected.Values.Where(d => Served(d.Field, d.Decided) != d.Decided).Select(d => d.Field.Key).Order(StringComparer.Ordinal).ToList();
        var gotRevealable = body.GetProperty("revealable").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal).ToList();
        if (!wantRevealable.SequenceEqual(gotRevealable))
        {
            yield return $"{where}: revealable [{string.Join(", ", gotRevealable)}], expected [{string.Join(", ", wantRevealable)}]";
        }
        if (body.GetProperty("purpose").GetString() != purpose)
        {
            yield return $"{where}: purpose {body.GetProperty("purpose")} echoed";
        }
        if (body.GetProperty("grantChain").GetArrayLength() != 0 || body.TryGetProperty("breakGlass", out var bg) && bg.ValueKind != JsonValueKind.Null)
        {
            yield return $"{where}: a grant or break-glass widened the view, but the test host has none";
        }
    }

    private static string? ProblemCode(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What a failure message may show of a body: a problem's code, or the field keys served, never a value.</summary>
    private static string Describe(string body)
    {
        try
        {
            var root = JsonDocument.Parse(body).RootElement;
            if (root.TryGetProperty("code", out var code))
            {
                return "problem " + code.GetString();
            }
            return root.TryGetProperty("fields", out var fields)
                ? "fields [" + string.Join(", ", fields.EnumerateObject().Select(f => f.Name)) + "]"
                : $"a body of {body.Length} characters";
        }
        catch (JsonException)
        {
            return $"a non-JSON body of {body.Length} characters";
        }
    }
}
