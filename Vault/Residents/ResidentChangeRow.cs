using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DataVault.Vault.Residents;

/// <summary>
/// One change to a resident, journalled in the write's own transaction (the change feed reads these:
/// docs/feed.md). It names the resident, what happened, which field KEYS changed, and where the
/// resident lived before and after, so a feed can tell a department that a resident left its reach.
/// Never a value.
/// </summary>
internal sealed class ResidentChangeRow
{
    public const string Created = "created";
    public const string Updated = "updated";

    /// <summary>Assigned by the store (SQLite: the rowid; PostgreSQL: the <c>resident_change_seq</c> sequence).</summary>
    public long Seq { get; set; }

    /// <summary>
    /// PostgreSQL: the writing transaction's id (<c>pg_current_xact_id()</c>). Sequence numbers are
    /// taken before commit, so two writers can commit out of order; a feed orders by (txid, seq) and
    /// reads only below the oldest transaction still running, where nothing can appear any more.
    /// SQLite (one writer): 0, and seq is commit order.
    /// </summary>
    public long Txid { get; set; }

    public required string DistrictCode { get; set; }
    public required string ResidentId { get; set; }
    public required string Kind { get; set; }
    /// <summary>The changed field keys, comma-separated, in schema-independent ordinal order.</summary>
    public required string Keys { get; set; }
    public string? FromCommunity { get; set; }
    public string? FromGrid { get; set; }
    public required string ToCommunity { get; set; }
    public string? ToGrid { get; set; }
    public int Version { get; set; }
    public long AtUnixMs { get; set; }

    public const string Sequence = "resident_change_seq";

    /// <summary>The journal insert for one change, in the writer's transaction (its parameters: <see cref="Bind"/>).</summary>
    public static DbCommand Insert(DbConnection connection, DbTransaction transaction, bool postgres)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = postgres
            ? $"INSERT INTO resident_changes (seq, txid, district_code, resident_id, kind, keys, from_community, from_grid, to_community, to_grid, version, at_ms) " +
              $"VALUES (nextval('{Sequence}'), pg_current_xact_id()::text::bigint, @district, @id, @kind, @keys, @fromCommunity, @fromGrid, @toCommunity, @toGrid, @version, @at)"
            : "INSERT INTO resident_changes (txid, district_code, resident_id, kind, keys, from_community, from_grid, to_community, to_grid, version, at_ms) " +
              "VALUES (0, @district, @id, @kind, @keys, @fromCommunity, @fromGrid, @toCommunity, @toGrid, @version, @at)";
        foreach (var (name, type) in new[] { ("district", DbType.String), ("id", DbType.String), ("kind", DbType.String), ("keys", DbType.String), ("fromCommunity", DbType.String),
                     ("fromGrid", DbType.String), ("toCommunity", DbType.String), ("toGrid", DbType.String), ("version", DbType.Int32), ("at", DbType.Int64) })
        {
            var p = command.CreateParameter();
            p.ParameterName = "@" + name;
            p.DbType = type;
            command.Parameters.Add(p);
        }
        return command;
    }

    /// <summary>Sets <paramref name="insert"/>'s parameters for one change.</summary>
    public static void Bind(DbCommand insert, string district, string id, string kind, IEnumerable<string> keys, ResidentPlace? from, ResidentPlace to, int version, DateTime at)
    {
        var p = insert.Parameters;
        p["@district"].Value = district;
        p["@id"].Value = id;
        p["@kind"].Value = kind;
        p["@keys"].Value = string.Join(",", keys.Order(StringComparer.Ordinal));
        p["@fromCommunity"].Value = (object?)from?.Community ?? DBNull.Value;
        p["@fromGrid"].Value = (object?)from?.Grid ?? DBNull.Value;
        p["@toCommunity"].Value = to.Community;
        p["@toGrid"].Value = (object?)to.Grid ?? DBNull.Value;
        p["@version"].Value = version;
        p["@at"].Value = new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
    }
}

/// <summary>Where a resident lives: community and grid.</summary>
internal sealed record ResidentPlace(string Community, string? Grid);

internal sealed class ResidentChangeRowConfiguration : IEntityTypeConfiguration<ResidentChangeRow>
{
    public void Configure(EntityTypeBuilder<ResidentChangeRow> b)
    {
        b.ToTable("resident_changes");
        b.HasKey(c => c.Seq);
        // Assigned by the insert itself (see ResidentChangeRow.Insert), never by EF.
        b.Property(c => c.Seq).HasColumnName("seq").ValueGeneratedNever();
        b.Property(c => c.Txid).HasColumnName("txid");
        b.Property(c => c.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        b.Property(c => c.ResidentId).HasColumnName("resident_id").HasMaxLength(32);
        b.Property(c => c.Kind).HasColumnName("kind").HasMaxLength(16);
        b.Property(c => c.Keys).HasColumnName("keys").HasMaxLength(2000);
        b.Property(c => c.FromCommunity).HasColumnName("from_community").HasMaxLength(12);
        b.Property(c => c.FromGrid).HasColumnName("from_grid").HasMaxLength(16);
        b.Property(c => c.ToCommunity).HasColumnName("to_community").HasMaxLength(12);
        b.Property(c => c.ToGrid).HasColumnName("to_grid").HasMaxLength(16);
        b.Property(c => c.Version).HasColumnName("version");
        b.Property(c => c.AtUnixMs).HasColumnName("at_ms");
        b.HasIndex(c => new { c.DistrictCode, c.Txid, c.Seq }).HasDatabaseName("IX_resident_changes_feed");
    }
}
