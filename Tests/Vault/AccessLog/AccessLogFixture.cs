using DataVault.Vault.AccessLog;
using DataVault.Vault.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DataVault.Tests.Vault.AccessLog;

/// <summary>A vault database in a temporary SQLite file with a writer, reader and verifier over it.</summary>
internal sealed class AccessLogFixture : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dv-accesslog-").FullName;

    public AccessLogFixture(TimeSpan? treeHeadInterval = null)
    {
        ConnectionString = $"Data Source={Path.Combine(_directory, "vault.db")};Pooling=False";
        DbFactory = new PooledDbContextFactory<VaultDbContext>(new DbContextOptionsBuilder<VaultDbContext>().UseSqlite(ConnectionString).Options);
        using (var db = DbFactory.CreateDbContext())
        {
            db.Database.EnsureCreated();
        }
        Seed = new byte[32];
        Random.Shared.NextBytes(Seed);
        Signer = new TreeHeadSigner(Seed);
        Options = new AccessLogOptions { TreeHeadInterval = treeHeadInterval ?? TimeSpan.Zero, MaxBatchEntries = 64 };
        Writer = NewWriter();
    }

    public string ConnectionString { get; }
    public IDbContextFactory<VaultDbContext> DbFactory { get; }
    public byte[] Seed { get; }
    public TreeHeadSigner Signer { get; }
    public AccessLogOptions Options { get; }
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.FromHours(8)));
    public AccessLogWriter Writer { get; private set; }

    public AccessLogVerifier Verifier => new(DbFactory, Signer);
    public AccessLogReader Reader => new(DbFactory);

    public AccessLogWriter NewWriter() =>
        new(DbFactory, Signer, Time, Microsoft.Extensions.Options.Options.Create(Options), NullLogger<AccessLogWriter>.Instance);

    /// <summary>Stops the writer and starts a new one over the same database, as a restart would.</summary>
    public async Task RestartWriterAsync()
    {
        await Writer.DisposeAsync();
        Writer = NewWriter();
    }

    public async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public static AccessLogEntry Entry(string residentId, string district = "510107", string purpose = "elderly_care") => new(
        ResidentId: residentId,
        DistrictCode: district,
        Action: AccessAction.Read,
        ActorUserId: "u-community-worker-1",
        ActorUnit: district + "001001",
        ActorRole: "community_worker",
        ClientId: "community-portal",
        Fields: [new ServedField("name", "masked"), new ServedField("phone", "masked")],
        Purpose: purpose,
        LegalBasis: "PIPL art. 13(1)(5)",
        GrantChain: [],
        PolicyVersion: "v1",
        Decision: "allow");

    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}
