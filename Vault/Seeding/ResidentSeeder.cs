using System.Diagnostics;
using System.Threading.Channels;
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
public sealed record SeedRequest(int Residents = SeedRequest.DemoResidents, int Seed = 1, string Community = SeedRequest.DemoCommunity, int BatchSize = SeedRequest.DefaultBatchSize)
{
    public const int DemoResidents = 10_737;
    public const int DemoHouseholds = 3_727;

    /// <summary>
    /// Residents per generated batch. Up to ~9 batches are in flight in the pipeline (generated,
    /// validated, sealed, being stored), so this sets the memory a run holds; 2,500 keeps a
    /// million-resident run under its 500 MB budget with room to spare.
    /// </summary>
    public const int DefaultBatchSize = 2_500;

    /// <summary>The community shaped like the field study's community Y (9 compounds).</summary>
    public const string DemoCommunity = "510107004003";

    /// <summary>Households keep Y's ratio (≈ 2.88 residents per household).</summary>
    public int Households => Residents == DemoResidents ? DemoHouseholds : Math.Max(1, (int)Math.Round(Residents * (double)DemoHouseholds / DemoResidents));
}

/// <summary>Progress of a seeding run, reported after every batch.</summary>
public sealed record SeedProgress(int Done, int Total, TimeSpan Elapsed);

/// <summary>
/// What a seeding run did. <c>Storing</c> is the time the store stage spent writing (SQLite has one
/// writer): close to <c>Elapsed</c> means the store is the bottleneck, far below it means generating,
/// validating or sealing is.
/// </summary>
public sealed record SeedReport(int Residents, int Created, int Updated, int Unchanged, TimeSpan Elapsed, TimeSpan Storing = default);

/// <summary>
/// Seeds synthetic residents through the same validator and writer as import. Re-running with the
/// same seed finds every person by ID number and changes nothing.
/// <para>
/// A three-stage pipeline joined by small bounded channels (so memory stays flat at any size):
/// generate (one thread: the generator is one deterministic sequence) → validate and seal
/// (parallel: CPU-bound) → store (one thread: SQLite has one writer). The store commits whatever
/// sealed batches are waiting in one transaction, up to <see cref="MaxQueuedBatches"/>: when
/// storing is the slower stage, transactions grow, and a larger transaction writes each touched
/// index page once for more rows (docs/storage.md, "Seeding").
/// </para>
/// </summary>
internal sealed class ResidentSeeder(JurisdictionTree tree, ResidentValidator validator, ResidentWriter writer)
{
    /// <summary>Sealed batches waiting for the store; also the most batches one transaction takes.</summary>
    internal const int MaxQueuedBatches = 3;

    public async Task<SeedReport> SeedAsync(SeedRequest request, IProgress<SeedProgress>? progress, CancellationToken ct)
    {
        IReadOnlyList<Jurisdiction> communities = request.Community == "all"
            ? [.. tree.Nodes.Where(n => n.Kind == JurisdictionKind.Community)]
            : tree.Find(request.Community) is { Kind: JurisdictionKind.Community } c
                ? [c]
                : throw new ArgumentException($"unknown community {request.Community}", nameof(request));
        var generator = new SyntheticResidents(tree, communities, request.Households, request.Residents, request.Seed);
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = stop.Token;
        var generated = Channel.CreateBounded<List<Dictionary<string, string>>>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var sealedBatches = Channel.CreateBounded<SealedBatch>(new BoundedChannelOptions(MaxQueuedBatches) { SingleReader = true, SingleWriter = true });
        Task[] stages =
        [
            Task.Run(() => GenerateAsync(generator, request.BatchSize, generated.Writer, token), token),
            Task.Run(() => ValidateAndSealAsync(generated.Reader, sealedBatches.Writer, token), token),
        ];

        int created = 0, updated = 0, unchanged = 0, done = 0;
        var storing = TimeSpan.Zero;
        try
        {
            await using var store = await writer.OpenBulkAsync(token);
            var group = new List<SealedBatch>(MaxQueuedBatches);
            while (await sealedBatches.Reader.WaitToReadAsync(token))
            {
                group.Clear();
                while (group.Count < MaxQueuedBatches && sealedBatches.Reader.TryRead(out var b))
                {
                    group.Add(b);
                }
                var storeStart = Stopwatch.GetTimestamp();
                await store.StoreAsync(group, token);
                storing += Stopwatch.GetElapsedTime(storeStart);
                foreach (var b in group)
                {
                    foreach (var o in b.Outcomes)
                    {
                        switch (o.Kind)
                        {
                            case WriteKind.Created: created++; break;
                            case WriteKind.Updated: updated++; break;
                            case WriteKind.Unchanged: unchanged++; break;
                        }
                    }
                    done += b.Outcomes.Count;
                }
                progress?.Report(new SeedProgress(done, request.Residents, clock.Elapsed));
            }
        }
        catch
        {
            // Stop the other stages and let them finish before their state is disposed.
            await stop.CancelAsync();
            await Task.WhenAll(stages).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw;
        }
        await Task.WhenAll(stages);
        return new SeedReport(done, created, updated, unchanged, clock.Elapsed, storing);
    }

    private static async Task GenerateAsync(SyntheticResidents generator, int batchSize, ChannelWriter<List<Dictionary<string, string>>> output, CancellationToken ct)
    {
        try
        {
            var batch = new List<Dictionary<string, string>>(batchSize);
            foreach (var person in generator.Generate())
            {
                batch.Add(person);
                if (batch.Count == batchSize)
                {
                    await output.WriteAsync(batch, ct);
                    batch = new List<Dictionary<string, string>>(batchSize);
                }
            }
            if (batch.Count > 0)
            {
                await output.WriteAsync(batch, ct);
            }
            output.Complete();
        }
        catch (Exception e)
        {
            output.TryComplete(e);
            throw;
        }
    }

    private async Task ValidateAndSealAsync(ChannelReader<List<Dictionary<string, string>>> input, ChannelWriter<SealedBatch> output, CancellationToken ct)
    {
        try
        {
            var row = 0;
            while (await input.WaitToReadAsync(ct))
            {
                while (input.TryRead(out var raw))
                {
                    var baseRow = row;
                    row += raw.Count;
                    var valid = new ValidResident[raw.Count];
                    ParallelWork.For(raw.Count, i =>
                    {
                        var outcome = validator.Validate(baseRow + i + 1, raw[i].Select(static kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
                        valid[i] = outcome.Resident ?? throw new InvalidOperationException(
                            "synthetic resident failed validation: " + string.Join("; ", outcome.Errors));
                    });
                    // The generated dictionaries are garbage from here on: let the GC have them
                    // before sealing allocates (memory budget, docs/storage.md "Seeding").
                    raw.Clear();
                    await output.WriteAsync(await writer.SealAsync(valid, ct), ct);
                }
            }
            output.Complete();
        }
        catch (Exception e)
        {
            output.TryComplete(e);
            throw;
        }
    }
}
