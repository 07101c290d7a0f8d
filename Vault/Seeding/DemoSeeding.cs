using System.Globalization;
using Bogus;
using DataVault.Identity.Management;
using DataVault.Identity.Units;
using DataVault.Vault.Encryption;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Seeding;

/// <summary>
/// In Development, a first start on an empty store seeds the demo community (issue 2, item 10),
/// so a newcomer who runs the README's command sees realistic data at once. Never outside
/// Development: a production vault must not hold synthetic people.
/// </summary>
/// <remarks>
/// A hosted service rather than a step of <c>VaultHost.PrepareAsync</c>: it starts after the
/// master-key check (registered earlier), so a refused key file still stops the host with that
/// check's error, and before the server accepts requests. Verbs build the host without starting
/// it, so <c>seed</c> or <c>import</c> never trigger the demo data.
/// </remarks>
internal sealed partial class DemoSeedingOnFirstRun(
    IHostEnvironment environment,
    IOptions<SeedingOptions> options,
    ResidentReader reader,
    ResidentSeeder seeder,
    IServiceProvider services,
    ILogger<DemoSeedingOnFirstRun> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!environment.IsDevelopment() || !options.Value.DemoOnFirstRun)
        {
            return;
        }
        if (await reader.CountAsync(cancellationToken) > 0)
        {
            return;
        }
        var report = await seeder.SeedAsync(new SeedRequest(), null, cancellationToken);
        DemoSeeded(logger, report.Created, SeedRequest.DemoCommunity, (long)report.Elapsed.TotalMilliseconds);
        // The demo officers, residents and API clients of the same territory, so the README's
        // credentials work at once (docs/identity.md lists them).
        var identities = await DemoIdentitySeeder.SeedAsync(services, cancellationToken: cancellationToken);
        DemoIdentitiesSeeded(logger, identities.UsersAdded, identities.ClientsAdded);
        var linked = await DemoResidentRecords.SeedAsync(services, cancellationToken);
        DemoResidentsLinked(logger, linked);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "First run in Development: seeded {Residents} demo residents in community {Community} in {ElapsedMs} ms")]
    private static partial void DemoSeeded(ILogger logger, int residents, string community, long elapsedMs);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "First run in Development: created {Users} demo users and {Clients} demo clients")]
    private static partial void DemoIdentitiesSeeded(ILogger logger, int users, int clients);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "First run in Development: created {Records} resident records for the demo resident accounts")]
    private static partial void DemoResidentsLinked(ILogger logger, int records);
}

/// <summary>
/// The resident records of the demo resident accounts (<see cref="DemoIdentitySeeder.Users"/>: a
/// phone number and a community each), so that the resident portal and <c>GET /api/v1/me</c> work
/// in the demo: each account's phone is on exactly one record of its community. The people are
/// synthetic (Bogus, zh_CN, seeded by the phone number, so the same on every machine) and go through
/// the same validator and writer as every import. Development only, idempotent.
/// </summary>
internal static class DemoResidentRecords
{
    /// <summary>Creates the missing records; returns how many were created.</summary>
    public static async Task<int> SeedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (!services.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            return 0;
        }
        var validator = services.GetRequiredService<ResidentValidator>();
        var writer = services.GetRequiredService<ResidentWriter>();
        var reader = services.GetRequiredService<ResidentReader>();
        var indexer = services.GetRequiredService<BlindIndexer>();
        var tree = services.GetRequiredService<JurisdictionTree>();
        var dbFactory = services.GetRequiredService<IDbContextFactory<VaultDbContext>>();

        var records = new List<ValidResident>();
        foreach (var (_, role, community, _, phone) in DemoIdentitySeeder.Users)
        {
            if (role != UnitRoles.Resident || phone is null)
            {
                continue;
            }
            var phoneIndex = indexer.Compute(BlindIndexKind.Phone, phone);
            await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            {
                if (await db.Set<ResidentRow>().AnyAsync(r => r.PhoneIndex == phoneIndex && r.CommunityCode == community, cancellationToken))
                {
                    continue;
                }
            }
            var fields = await PersonAsync(phone, community, tree, reader, cancellationToken);
            var outcome = validator.Validate(records.Count + 1, fields.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
            records.Add(outcome.Resident ?? throw new InvalidOperationException("demo resident failed validation: " + string.Join("; ", outcome.Errors)));
        }
        if (records.Count > 0)
        {
            await writer.WriteAsync(records, cancellationToken);
        }
        return records.Count;
    }

    /// <summary>A synthetic adult of the community with the account's phone and a valid GB 11643 number no other resident holds.</summary>
    private static async Task<Dictionary<string, string>> PersonAsync(string phone, string community, JurisdictionTree tree, ResidentReader reader, CancellationToken cancellationToken)
    {
        var faker = new Faker("zh_CN") { Random = new Randomizer(int.Parse(phone[^6..], CultureInfo.InvariantCulture)) };
        var male = faker.Random.Bool();
        var birth = SyntheticResidents.ReferenceDate.AddYears(-faker.Random.Int(30, 72)).AddDays(-faker.Random.Int(0, 364));
        string idNumber;
        for (var sequence = faker.Random.Int(0, 400); ; sequence++)
        {
            var first17 = "510107" + birth.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + (sequence * 2 + (male ? 1 : 0)).ToString("D3", CultureInfo.InvariantCulture);
            idNumber = first17 + ChineseIdNumber.CheckCharFor(first17);
            // The writer treats a known ID number as the same person: never take over someone else's.
            if (await reader.FindByIdNumberAsync(idNumber, cancellationToken) is null)
            {
                break;
            }
        }
        var street = tree.Find(community)?.Parent;
        var grid = tree.ChildrenOf(community).FirstOrDefault(g => g.Kind == JurisdictionKind.Grid);
        var compound = tree.CompoundsOf(community).FirstOrDefault();
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["name"] = faker.Name.LastName() + faker.Name.FirstName(),
            ["id_number"] = idNumber,
            ["gender"] = male ? "male" : "female",
            ["birth_date"] = birth.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["community"] = community,
            ["phone"] = phone,
            ["address"] = $"四川省成都市武侯区{(street is null ? "" : tree.Find(street)?.NameZh)}{compound?.NameZh ?? tree.Find(community)?.NameZh}{faker.Random.Int(1, 12)}栋{faker.Random.Int(1, 3)}单元{faker.Random.Int(1, 18)}0{faker.Random.Int(1, 4)}号",
            ["household_register"] = "local",
            ["marital_status"] = "married",
            ["employment_status"] = "employed",
            ["employer"] = faker.Company.CompanyName(),
            ["chronic_condition"] = "none",
            ["dibao"] = "false",
        };
        if (grid is not null)
        {
            fields["grid"] = grid.Code;
        }
        if (compound is not null)
        {
            fields["compound"] = compound.Code;
        }
        return fields;
    }
}
