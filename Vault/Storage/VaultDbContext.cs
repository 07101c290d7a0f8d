using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Storage;

/// <summary>
/// The vault's database. Each feature keeps its entities and their <c>IEntityTypeConfiguration</c>
/// in its own folder; they are picked up here. Every table holding resident data carries the
/// district code (DESIGN.md, "Scale": the layout must allow sharding by district).
/// </summary>
/// <remarks>
/// Not sealed: SQLite and PostgreSQL each get a small subclass (<see cref="SqliteVaultDbContext"/>,
/// <see cref="PostgresVaultDbContext"/>) so that each provider has its own migrations set (column
/// types differ: TEXT/BLOB vs text/bytea/timestamptz). Code outside Storage only ever sees
/// <see cref="VaultDbContext"/>.
/// </remarks>
public class VaultDbContext(DbContextOptions options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(VaultDbContext).Assembly);
}

/// <summary>The SQLite flavour of <see cref="VaultDbContext"/>; owns <c>Storage/Migrations/Sqlite</c>.</summary>
public sealed class SqliteVaultDbContext(DbContextOptions<SqliteVaultDbContext> options) : VaultDbContext(options);

/// <summary>The PostgreSQL flavour of <see cref="VaultDbContext"/>; owns <c>Storage/Migrations/Postgres</c>.</summary>
public sealed class PostgresVaultDbContext(DbContextOptions<PostgresVaultDbContext> options) : VaultDbContext(options);
