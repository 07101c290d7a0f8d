using System.Diagnostics;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Residents;

namespace DataVault.Vault.Seeding;

/// <summary><c>Seeding</c> options: whether a Development host seeds the demo community on first start.</summary>
public sealed class SeedingOptions
{
    public const string Section = "Seeding";

    /// <summary>In Development, seed the demo community when the store has no residents. Default true.</summary>
    public bool DemoOnFirstRun { get; set; } = true;
}

/// <summary>What to seed: community Y's shape by default (issue 2; FIELD-NOTES.md, community "Y").</summary>
public sealed record SeedRequest(int Residents = SeedRequest.DemoResidents, int Seed = 1, string Community = SeedRequest.DemoCommunity, int BatchSize = 5000)
{
    public const int DemoResidents = 10_737;
    public const int DemoHouseholds = 3_727;

    /// <summary>The community shaped like the field study's community Y (9 compounds).</summary>
    public const string DemoCommunity = "510107004003";

    /// <summary>Households keep Y's ratio (≈ 2.88 residents per household).</summary>
    public int Households => Residents == DemoResidents ? DemoHouseholds : Math.Max(1, (int)Math.Round(Residents * (double)DemoHouseholds / DemoResidents));
}

/// <summary>Progress of a seeding run, reported after every batch.</summary>
public sealed record SeedProgress(int Done, int Total, TimeSpan Elapsed);

public sealed record SeedReport(int Residents, int Created, int Updated, int Unchanged, TimeSpan Elapsed);

/// <summary>
/// Seeds synthetic residents through the same validator and writer as import, in batches (each
/// one transaction). Re-running with the same seed finds every person by ID number and changes
/// nothing.
/// </summary>
internal sealed class ResidentSeeder(JurisdictionTree tree, ResidentValidator validator, ResidentWriter writer)
{
    public async Task<SeedReport> SeedAsync(SeedRequest request, IProgress<SeedProgress>? progress, CancellationToken ct)
    {
        IReadOnlyList<Jurisdiction> communities = request.Community == "all"
            ? [.. tree.Nodes.Where(n => n.Kind == JurisdictionKind.Community)]
            : tree.Find(request.Community) is { Kind: JurisdictionKind.Community } c
                ? [c]
                : throw new ArgumentException($"unknown community {request.Community}", nameof(request));
        var generator = new SyntheticResidents(tree, communities, request.Households, request.Residents, request.Seed);
        var clock = Stopwatch.StartNew();
        int created = 0, updated = 0, unchanged = 0, done = 0, row = 0;
        var batch = new List<Dictionary<string, string>>(request.BatchSize);

        async Task FlushAsync()
        {
            var valid = new ValidResident[batch.Count];
            var baseRow = row - batch.Count;
            ParallelWork.For(batch.Count, i =>
            {
                var outcome = validator.Validate(baseRow + i + 1, batch[i]!.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
                valid[i] = outcome.Resident ?? throw new InvalidOperationException(
                    "synthetic resident failed validation: " + string.Join("; ", outcome.Errors));
            });
            var outcomes = await writer.WriteAsync(valid, ct);
            foreach (var o in outcomes)
            {
                switch (o.Kind)
                {
                    case WriteKind.Created: created++; break;
                    case WriteKind.Updated: updated++; break;
                    case WriteKind.Unchanged: unchanged++; break;
                }
            }
            done += batch.Count;
            batch.Clear();
            progress?.Report(new SeedProgress(done, request.Residents, clock.Elapsed));
        }

        foreach (var resident in generator.Generate())
        {
            ct.ThrowIfCancellationRequested();
            batch.Add(resident);
            row++;
            if (batch.Count == request.BatchSize)
            {
                await FlushAsync();
            }
        }
        if (batch.Count > 0)
        {
            await FlushAsync();
        }
        return new SeedReport(done, created, updated, unchanged, clock.Elapsed);
    }
}
