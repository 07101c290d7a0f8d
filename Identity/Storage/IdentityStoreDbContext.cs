using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace DataVault.Identity.Storage;

/// <summary>
/// The identity store: ASP.NET Core Identity users, OpenIddict applications, authorizations and
/// tokens, and the token keys. Separate from the vault's database so Identity can run on its own.
/// Each provider has its own migrations (a subclass each), because SQLite and PostgreSQL differ in
/// column types and PostgreSQL keeps everything in schema <c>identity</c>.
/// </summary>
internal abstract class IdentityStoreDbContext(DbContextOptions options) : IdentityDbContext<VaultUser>(options)
{
    public DbSet<SigningKeyRecord> SigningKeys => Set<SigningKeyRecord>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();
        builder.Entity<VaultUser>(user =>
        {
            user.Property(u => u.Role).HasMaxLength(32).IsRequired();
            user.Property(u => u.Jurisdiction).HasMaxLength(32).IsRequired();
            user.Property(u => u.Department).HasMaxLength(32);
            user.HasIndex(u => u.PhoneNumber);
        });
        builder.Entity<SigningKeyRecord>(key =>
        {
            key.ToTable("TokenKeys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasMaxLength(64);
            key.Property(k => k.Use).HasMaxLength(16).IsRequired();
        });
    }
}

internal sealed class SqliteIdentityStoreDbContext(DbContextOptions<SqliteIdentityStoreDbContext> options) : IdentityStoreDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // SQLite cannot order or compare DateTimeOffset in SQL; store UTC ticks.
        foreach (var property in builder.Model.GetEntityTypes().SelectMany(t => t.GetProperties())
                     .Where(p => p.ClrType == typeof(DateTimeOffset) || p.ClrType == typeof(DateTimeOffset?)))
        {
            property.SetValueConverter(new DateTimeOffsetToBinaryConverter());
        }
    }
}

internal sealed class PostgresIdentityStoreDbContext(DbContextOptions<PostgresIdentityStoreDbContext> options) : IdentityStoreDbContext(options)
{
    public const string Schema = "identity";

    protected override void OnModelCreating(ModelBuilder builder)
    {
        builder.HasDefaultSchema(Schema);
        base.OnModelCreating(builder);
    }
}
