using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace DataVault.Identity.Storage;

// Used only by `dotnet ef migrations add` (one migration set per provider); never at run time.
internal sealed class SqliteIdentityStoreDesignTimeFactory : IDesignTimeDbContextFactory<SqliteIdentityStoreDbContext>
{
    public SqliteIdentityStoreDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteIdentityStoreDbContext>().UseSqlite("Data Source=design-time.db").UseOpenIddict().Options);
}

internal sealed class PostgresIdentityStoreDesignTimeFactory : IDesignTimeDbContextFactory<PostgresIdentityStoreDbContext>
{
    public PostgresIdentityStoreDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresIdentityStoreDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time", o => o.MigrationsHistoryTable("__EFMigrationsHistory", PostgresIdentityStoreDbContext.Schema))
            .UseOpenIddict().Options);
}
