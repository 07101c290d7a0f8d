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
        using var people = generator.Generate().GetEnumerator();

        // Generates and validates the next batch. Only one runs at a time (the enumerator is
        // sequential), but it overlaps the writer's work on the previous batch (docs/storage.md).
        ValidResident[] Prepare()
        {
            var raw = new List<Dictionary<string, string>>(request.BatchSize);
            while (raw.Count < request.BatchSize && people.MoveNext())
            {
                ct.ThrowIfCancellationRequested();
                raw.Add(people.Current);
            }
            var baseRow = row;
            row += raw.Count;
            var valid = new ValidResident[raw.Count];
            ParallelWork.For(raw.Count, i =>
            {
                var outcome = validator.Validate(baseRow + i + 1, raw[i].Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
                valid[i] = outcome.Resident ?? throw new InvalidOperationException(
                    "synthetic resident failed validation: " + string.Join("; ", outcome.Errors));
            });
            return valid;
        }

        var next = Task.Run(Prepare, ct);
        while (true)
        {
            var batch = await next;
            if (batch.Length == 0)
            {
                break;
            }
            next = Task.Run(Prepare, ct);
            IReadOnlyList<WriteOutcome> outcomes;
            try
            {
                outcomes = await writer.WriteAsync(batch, ct);
            }
            catch
            {
                // Let the running Prepare finish before the enumerator it uses is disposed.
                await next.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                throw;
            }
            foreach (var o in outcomes)
            {
                switch (o.Kind)
                {
                    case WriteKind.Created: created++; break;
                    case WriteKind.Updated: updated++; break;
                    case WriteKind.Unchanged: unchanged++; break;
                }
            }
            done += batch.Length;
            progress?.Report(new SeedProgress(done, request.Residents, clock.Elapsed));
        }
        return new SeedReport(done, created, updated, unchanged, clock.Elapsed);
    }
}
