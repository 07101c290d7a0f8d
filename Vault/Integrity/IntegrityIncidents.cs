using System.Data.Common;
using System.Diagnostics.Metrics;
using DataVault.Vault.Encryption;
using DataVault.Vault.Me;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DataVault.Vault.Integrity;

/// <summary>
/// A stored record that could not be opened: a bucket that does not authenticate (a flipped byte, an
/// edited routing column, a blob moved from another row), a key the ring does not hold, a layout
/// that does not parse. Carries only where the record is and why, never a value.
/// </summary>
internal sealed record WithheldRecord(string Id, string DistrictCode, string CommunityCode, string? GridCode, EnvelopeFailure Reason)
{
    /// <summary>The problem code a client sees for it, in a refusal and in the marker of a list or export.</summary>
    public const string Code = "record_integrity_failed";

    public static WithheldRecord Of(Residents.RecordAddress address, EnvelopeException failure) =>
        new(address.Id, address.DistrictCode, address.CommunityCode, address.GridCode, failure.Reason);
}

/// <summary>
/// A single-record path met a record that cannot be opened: the request is refused with
/// <c>record_integrity_failed</c> (Problems/RecordIntegrityHandler.cs) and the incident recorded.
/// </summary>
internal sealed class RecordIntegrityException(WithheldRecord record, EnvelopeException inner)
    : Exception($"Record '{record.Id}' failed its integrity check ({record.Reason}).", inner)
{
    public WithheldRecord Record { get; } = record;
}

/// <summary>
/// One damaged record as the privacy officers of its district see it: first and last detection and
/// how often it was met since. One row per record (an upsert), so a list that meets the same damaged
/// record on every page view does not flood the queue.
/// </summary>
internal sealed class IntegrityIncidentRow
{
    public required string RecordId { get; set; }
    public required string DistrictCode { get; set; }
    public required string CommunityCode { get; set; }
    public required string Reason { get; set; }
    public long FirstSeenUnixMs { get; set; }
    public long LastSeenUnixMs { get; set; }
    public long Detections { get; set; }
}

internal sealed class IntegrityIncidentRowConfiguration : IEntityTypeConfiguration<IntegrityIncidentRow>
{
    public void Configure(EntityTypeBuilder<IntegrityIncidentRow> b)
    {
        b.ToTable("integrity_incidents");
        b.HasKey(i => i.RecordId);
        b.Property(i => i.RecordId).HasColumnName("record_id").HasMaxLength(32);
        b.Property(i => i.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        b.Property(i => i.CommunityCode).HasColumnName("community_code").HasMaxLength(12);
        b.Property(i => i.Reason).HasColumnName("reason").HasMaxLength(32);
        b.Property(i => i.FirstSeenUnixMs).HasColumnName("first_seen_ms");
        b.Property(i => i.LastSeenUnixMs).HasColumnName("last_seen_ms");
        b.Property(i => i.Detections).HasColumnName("detections");
        // The officers' queue: a district's incidents, newest first detection first.
        b.HasIndex(i => new { i.DistrictCode, i.FirstSeenUnixMs, i.RecordId });
    }
}

/// <summary>An integrity incident as the API shows it.</summary>
public sealed record IntegrityIncidentView(
    string RecordId, string CommunityCode, string Code, string Reason, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long Detections);

/// <summary>
/// Records and lists integrity incidents. Recording never fails the request that met the damaged
/// record: that request is already refused (or the record withheld); a store that cannot take the
/// incident is logged as an error, and the counter <c>datavault.records.integrity_failures</c> counts it anyway.
/// </summary>
internal sealed partial class IntegrityIncidents(IDbContextFactory<VaultDbContext> contexts, TimeProvider time, ILogger<IntegrityIncidents> logger)
{
    public const string MeterName = "DataVault.Vault";

    private static readonly Meter VaultMeter = new(MeterName);
    private static readonly Counter<long> Failures = VaultMeter.CreateCounter<long>(
        "datavault.records.integrity_failures", unit: "{record}", description: "Stored records refused or withheld because they failed to open");

    public async Task RecordAsync(WithheldRecord record, CancellationToken cancellationToken)
    {
        Failures.Add(1, new KeyValuePair<string, object?>("reason", record.Reason.ToString()));
        LogIncident(record.Id, record.DistrictCode, record.Reason);
        try
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            // The same statement on SQLite and PostgreSQL: both read ON CONFLICT … DO UPDATE.
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO integrity_incidents (record_id, district_code, community_code, reason, first_seen_ms, last_seen_ms, detections)
                VALUES ({record.Id}, {record.DistrictCode}, {record.CommunityCode}, {record.Reason.ToString()}, {now}, {now}, 1)
                ON CONFLICT (record_id) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, reason = excluded.reason,
                    detections = integrity_incidents.detections + 1
                """, CancellationToken.None);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            LogNotStored(e, record.Id);
        }
    }

    /// <summary>The district's incidents, newest first detection first, a page at a time.</summary>
    public async Task<(IReadOnlyList<IntegrityIncidentView> Incidents, string? NextCursor)> PageAsync(string district, QueueCursor? after, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Set<IntegrityIncidentRow>().AsNoTracking().Where(i => i.DistrictCode == district);
        if (after is { } c)
        {
            query = query.Where(i => i.FirstSeenUnixMs < c.AtUnixMs || (i.FirstSeenUnixMs == c.AtUnixMs && string.Compare(i.RecordId, c.Id) > 0));
        }
        var rows = await query.OrderByDescending(i => i.FirstSeenUnixMs).ThenBy(i => i.RecordId).Take(limit + 1).ToListAsync(cancellationToken);
        string? next = null;
        if (rows.Count > limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = new QueueCursor(rows[^1].FirstSeenUnixMs, rows[^1].RecordId).Encode();
        }
        return ([.. rows.Select(r => new IntegrityIncidentView(
            r.RecordId, r.CommunityCode, WithheldRecord.Code, r.Reason,
            DateTimeOffset.FromUnixTimeMilliseconds(r.FirstSeenUnixMs), DateTimeOffset.FromUnixTimeMilliseconds(r.LastSeenUnixMs), r.Detections))], next);
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "Integrity incident: record {RecordId} of district {District} cannot be opened ({Reason}); it is refused or withheld")]
    private partial void LogIncident(string recordId, string district, EnvelopeFailure reason);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Error, Message = "Integrity incident for record {RecordId} could not be stored")]
    private partial void LogNotStored(Exception exception, string recordId);
}
