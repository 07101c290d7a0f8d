using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Seeding;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Grants;

/// <summary>What seeding the demo grants did: created, already there, or refused (with the reasons, never values).</summary>
internal sealed record DemoGrantReport(IReadOnlyList<string> Created, IReadOnlyList<string> Existing, IReadOnlyList<string> Refused);

/// <summary>
/// The demo grants of <c>policies/demo-grants.csv</c>: the field notes' "one-stop service" case, in
/// which the district's civil-affairs department lets community Y's workers check subsidy
/// eligibility. Each line goes through <see cref="GrantIssuer"/> exactly as an API call would, so a
/// demo grant that the policy no longer backs is refused, not forced in. Idempotent: a line whose
/// id exists is left alone.
/// </summary>
internal sealed class DemoGrants(GrantIssuer issuer, GrantStore store, IOptions<SchemaOptions> schema, TimeProvider time)
{
    public const string FileName = "demo-grants.csv";

    private static readonly string[] Columns =
    [
        "id", "grantor_subject", "grantor_role", "grantor_jurisdiction", "grantor_department", "grantee_role", "grantee_jurisdiction",
        "grantee_department", "fields", "max_fidelity", "purpose", "valid_days", "legal_basis",
    ];

    public async Task<DemoGrantReport> SeedAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(schema.Value.PoliciesDirectory, FileName);
        var (rows, errors) = PolicyCsv.Read(path, Columns);
        if (errors.Count > 0)
        {
            throw new InvalidDataException($"{path}: {string.Join("; ", errors)}");
        }
        List<string> created = [], existing = [], refused = [];
        foreach (var row in rows)
        {
            var c = row.Cells;
            if (await store.FindAsync(c["id"], cancellationToken) is not null)
            {
                existing.Add(c["id"]);
                continue;
            }
            var department = c["grantor_department"].Length == 0 ? null : c["grantor_department"];
            var grantor = new CallerContext(c["grantor_subject"], "client", c["grantor_role"], c["grantor_jurisdiction"], department,
                UnitRoles.UnitName(c["grantor_role"], c["grantor_jurisdiction"], department));
            var now = time.GetUtcNow();
            var days = int.TryParse(c["valid_days"], out var d) ? d : 0;
            var request = new GrantRequest(null, c["grantee_role"], c["grantee_jurisdiction"], c["grantee_department"],
                c["fields"].Split(' ', StringSplitOptions.RemoveEmptyEntries), c["max_fidelity"], c["purpose"], c["legal_basis"], now, now.AddDays(days));
            var outcome = await issuer.IssueAsync(grantor, request, c["id"], cancellationToken);
            if (outcome.Issued is not null)
            {
                created.Add(c["id"]);
            }
            else
            {
                var why = outcome.Invalid is { } invalid ? string.Join("; ", invalid.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"))
                    : outcome.Exceeds is { } exceeds ? string.Join("; ", exceeds.Select(v => $"{v.Field}: {v.Reason}"))
                    : "parent not found";
                refused.Add($"{FileName}:{row.Line}: {c["id"]}: {why}");
            }
        }
        return new DemoGrantReport(created, existing, refused);
    }
}

/// <summary>In Development with <c>Seeding:DemoOnFirstRun</c>, seeds the demo grants at start (idempotent, so every start may try).</summary>
internal sealed partial class DemoGrantsOnFirstRun(IHostEnvironment environment, IOptions<SeedingOptions> options, DemoGrants demo, ILogger<DemoGrantsOnFirstRun> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!environment.IsDevelopment() || !options.Value.DemoOnFirstRun)
        {
            return;
        }
        var report = await demo.SeedAsync(cancellationToken);
        if (report.Created.Count > 0)
        {
            Seeded(logger, report.Created.Count);
        }
        foreach (var refused in report.Refused)
        {
            Refused(logger, refused);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Development: seeded {Count} demo grants from policies/demo-grants.csv")]
    private static partial void Seeded(ILogger logger, int count);

    // The reason names field keys and policy terms only, never a resident value.
    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Development: a demo grant was refused: {Reason}")]
    private static partial void Refused(ILogger logger, string reason);
}
