using DataVault.Policy;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.PolicyStore;

/// <summary>
/// Reads published versions and turns them into running snapshots (the hand-written text composed with
/// the generated g2/g3 lines by <see cref="DataVaultPolicyFolder"/>). On first start the shipped
/// policies/ files become version 1. No dependency on <see cref="PolicyRuntime"/>: the runtime is
/// built from it.
/// </summary>
internal sealed partial class PolicyVersionLoader(IDbContextFactory<VaultDbContext> dbs, DataVaultPolicyFolder folder, TimeProvider time, ILogger<PolicyVersionLoader> logger)
{
    public const string SystemAuthor = "system";

    /// <summary>
    /// The newest published version as a snapshot, seeding version 1 first when the store is empty.
    /// Synchronous on purpose: it runs once, in the runtime's factory, after the migrations and before
    /// the first request, so no decision is ever made under a policy the store did not publish.
    /// </summary>
    public PolicySnapshot LoadRunning()
    {
        using var db = dbs.CreateDbContext();
        var newest = db.Set<PolicyVersionRow>().AsNoTracking().OrderByDescending(v => v.Number).FirstOrDefault();
        if (newest is null)
        {
            newest = SeedShipped(db);
        }
        var snapshot = Build(newest);
        if (!snapshot.IsSuccess)
        {
            // A stored version was valid when published; failing now means the data files changed
            // under it (a field or jurisdiction removed). Refuse to start rather than guess.
            throw new InvalidDataException($"policy version {newest.Number} no longer loads: " + string.Join("; ", snapshot.Errors));
        }
        return snapshot.Value;
    }

    /// <summary>The newest version if it is newer than <paramref name="running"/>, else null.</summary>
    public async Task<PolicyVersionRow?> NewerThanAsync(int running, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Set<PolicyVersionRow>().AsNoTracking().Where(v => v.Number > running).OrderByDescending(v => v.Number).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>The snapshot of a stored version (composed with the current data files) as of now.</summary>
    public PolicyResult<PolicySnapshot> Build(PolicyVersionRow row) =>
        Build(row.Number, row.PolicyText, row.ModelText, new DateTimeOffset(row.PublishedAt, TimeSpan.Zero), time.GetUtcNow());

    /// <summary>
    /// A version composed as of <paramref name="at"/>. When one of its windows opens or closes later, the
    /// snapshot carries that instant and a way to compose the same text again, which the runtime calls
    /// on the first read past it (docs/policy-lifecycle.md, "Time windows").
    /// </summary>
    private PolicyResult<PolicySnapshot> Build(int number, string policyText, string modelText, DateTimeOffset publishedAt, DateTimeOffset at)
    {
        var composed = folder.WithPolicy(policyText, modelText, at: at);
        var windows = composed.NextBoundary is { } next
            ? new PolicyWindowClock(next, later => Build(number, policyText, modelText, publishedAt, later))
            : null;
        return PolicyRuntime.Build(VersionName(number), composed.ModelText, composed.PolicyText, publishedAt, number, windows);
    }

    public static string VersionName(int number) => "v" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private PolicyVersionRow SeedShipped(VaultDbContext db)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var row = new PolicyVersionRow
        {
            Number = 1,
            PolicyText = folder.HandWrittenPolicy,
            ModelText = folder.ModelText,
            Author = SystemAuthor,
            CreatedAt = now,
            PublishedAt = now,
            Note = "policies/ as shipped / 随版本发布的策略",
        };
        db.Add(row);
        try
        {
            db.SaveChanges();
            LogSeeded(logger);
            return row;
        }
        catch (DbUpdateException)
        {
            // Another node seeded at the same moment: the primary key let one win; use its row.
            db.ChangeTracker.Clear();
            return db.Set<PolicyVersionRow>().AsNoTracking().OrderByDescending(v => v.Number).First();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Policy store was empty: the shipped policies/ files are version 1")]
    private static partial void LogSeeded(ILogger logger);
}
