using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Storage;

/// <summary>
/// The vault's database. Each feature keeps its entities and their <c>IEntityTypeConfiguration</c>
/// in its own folder; they are picked up here. Every table holding resident data carries the
/// district code (DESIGN.md, "Scale": the layout must allow sharding by district).
/// </summary>
public sealed class VaultDbContext(DbContextOptions<VaultDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(VaultDbContext).Assembly);
}
