using System.Collections.Concurrent;
using System.Security.Cryptography;
using DataVault.Vault.Encryption;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Keys;

/// <summary>
/// Data keys per (level, district) and blind-index keys, wrapped by the master key and stored in
/// the vault database (<see cref="StoredKey"/>). Unwrapped keys are cached in memory.
/// <para>
/// Usage limit (NIST SP 800-38D §8.3): every encryption counts against its key. A node reserves
/// counts in blocks with one atomic UPDATE that only succeeds while the key is active and under
/// its limit, so nodes sharing a database never exceed the limit together. When a reservation
/// fails because the limit is reached, the key is demoted to decrypt-only and the next version is
/// created; a unique (scope, version) index lets exactly one racing node create it.
/// </para>
/// <para>
/// A rotation made by another node takes effect here at this node's next reservation (at most
/// <see cref="EncryptionOptions.ReservationBlock"/> encryptions later, or after the larger block a
/// bulk writer asked <see cref="WarmUp(SensitivityLevel, string, long, long)"/> for); values sealed with the old
/// key stay readable either way.
/// </para>
/// </summary>
internal sealed class KeyRing : IDisposable
{
    private const int MaxAttempts = 16;

    private readonly IDbContextFactory<VaultDbContext> _dbFactory;
    private readonly IMasterKeyProvider _masterKeyProvider;
    private readonly EncryptionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<KeyRing> _logger;
    private readonly Lock _masterLock = new();
    private readonly ConcurrentDictionary<string, DataKey> _dataKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DataKey>.AlternateLookup<ReadOnlySpan<char>> _dataKeysByChars;
    // Vault-wide secrets (blind-index HMAC keys, the access log's signing seed) by scope.
    private readonly ConcurrentDictionary<string, SuiteKey> _vaultSecrets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    // The same leases by level, then district, for lookups by span (see AcquireForEncryption).
    private readonly ConcurrentDictionary<string, Lease>.AlternateLookup<ReadOnlySpan<char>>[] _leasesByLevel;
    private MasterKey? _master;

    public KeyRing(
        IDbContextFactory<VaultDbContext> dbFactory,
        IMasterKeyProvider masterKeyProvider,
        IOptions<EncryptionOptions> options,
        TimeProvider time,
        ILogger<KeyRing> logger)
    {
        _dbFactory = dbFactory;
        _masterKeyProvider = masterKeyProvider;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _dataKeysByChars = _dataKeys.GetAlternateLookup<ReadOnlySpan<char>>();
        _leasesByLevel = [.. Enumerable.Range(0, (int)Enum.GetValues<SensitivityLevel>().Max() + 1)
            .Select(_ => new ConcurrentDictionary<string, Lease>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>())];
    }

    /// <summary>Fingerprint of the master key in use (loads it on first call).</summary>
    public string MasterKeyId => Master.Id;

    private MasterKey Master
    {
        get
        {
            if (_master is { } loaded)
            {
                return loaded;
            }
            lock (_masterLock)
            {
                if (_master is null)
                {
                    var bytes = _masterKeyProvider.GetMasterKey();
                    try
                    {
                        _master = new MasterKey(bytes);
                    }
                    finally
                    {
                        CryptographicOperations.ZeroMemory(bytes);
                    }
                    KeyRingLog.MasterKeyLoaded(_logger, _master.Id, _masterKeyProvider.Source);
                }
                return _master;
            }
        }
    }

    /// <summary>Loads the master key now, so that a bad key file stops the host at start rather than at the first write.</summary>
    public void EnsureMasterKey() => _ = Master;

    /// <summary>The active data key of (level, district), with one encryption counted against it.</summary>
    public DataKey AcquireForEncryption(SensitivityLevel level, string districtCode) => AcquireForEncryption(level, districtCode.AsSpan());

    /// <summary>
    /// As above, with the district as the first six characters of a jurisdiction code: a seal
    /// happens ~20 times per resident, so the lease is found without allocating a string.
    /// </summary>
    public DataKey AcquireForEncryption(SensitivityLevel level, ReadOnlySpan<char> districtCode)
    {
        var lease = CachedLeaseFor(level, districtCode, out var district);
        lock (lease)
        {
            if (lease.Key is null || lease.Remaining == 0)
            {
                Refill(lease, level, district);
            }
            lease.Remaining--;
            return lease.Key!;
        }
    }

    /// <summary>
    /// Makes sure (level, district) has an active key and at least <paramref name="encryptions"/>
    /// reserved for this node (at least one block; at most a key's whole limit), without counting
    /// an encryption. Call it before a write transaction with the number of values the
    /// transaction will seal: on SQLite a reservation made while another connection holds the
    /// write lock would wait for that transaction, so none should be needed inside it.
    /// </summary>
    public void WarmUp(SensitivityLevel level, string districtCode, long encryptions = 1) => WarmUp(level, districtCode, encryptions, encryptions);

    /// <summary>
    /// As <see cref="WarmUp(SensitivityLevel, string, long)"/>, but when a new reservation is
    /// needed it reserves <paramref name="reserve"/> (at least <paramref name="encryptions"/>), so
    /// that a bulk load reserves once for many batches instead of once per batch.
    /// </summary>
    public void WarmUp(SensitivityLevel level, string districtCode, long encryptions, long reserve)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(encryptions);
        var lease = LeaseFor(level, districtCode);
        lock (lease)
        {
            if (lease.Key is null || lease.Remaining < Math.Min(encryptions, _options.RetireAfterEncryptions) || lease.Remaining == 0)
            {
                // What is left of the current block is given up: the count stays conservative.
                Refill(lease, level, districtCode, Math.Max(encryptions, reserve));
            }
        }
    }

    /// <summary>The data key for decryption, by the key id's ASCII bytes as the envelope holds them.</summary>
    public DataKey? FindForDecryption(ReadOnlySpan<byte> keyIdAscii, out EnvelopeFailure? failure)
    {
        // Looked up without allocating a string: a record opens ~30 values, all with cached keys.
        Span<char> chars = stackalloc char[EnvelopeFormat.MaxKeyIdLength];
        var length = System.Text.Encoding.ASCII.GetChars(keyIdAscii, chars);
        if (_dataKeysByChars.TryGetValue(chars[..length], out var cached))
        {
            failure = null;
            return cached;
        }
        return FindForDecryption(new string(chars[..length]), out failure);
    }

    /// <summary>The data key <paramref name="keyId"/> for decryption, or why it cannot be had.</summary>
    public DataKey? FindForDecryption(string keyId, out EnvelopeFailure? failure)
    {
        failure = null;
        if (_dataKeys.TryGetValue(keyId, out var cached))
        {
            return cached;
        }
        using var db = _dbFactory.CreateDbContext();
        var row = db.Set<StoredKey>().AsNoTracking().SingleOrDefault(k => k.KeyId == keyId);
        if (row is null || row.Purpose != KeyPurpose.Data || row.Level is null || row.DistrictCode is null)
        {
            failure = EnvelopeFailure.UnknownKey;
            return null;
        }
        if (row.State == KeyState.Retired)
        {
            failure = EnvelopeFailure.RetiredKey;
            return null;
        }
        return Cache(row);
    }

    /// <summary>
    /// The HMAC key of a blind-index kind (created on first use, in the configured suite: HMAC-SHA256 or
    /// HMAC-SM3). Never leaves the vault. It keeps its suite: every stored index depends on it.
    /// </summary>
    public SuiteKey BlindIndexKey(BlindIndexKind kind) => VaultSecret(BlindIndexScope(kind), KeyPurpose.BlindIndex);

    /// <summary>
    /// The Ed25519 seed of the access log's tree-head key (created on first use). It is wrapped by
    /// the master key like every other key, so whoever can rewrite the database still cannot sign
    /// a tree head.
    /// </summary>
    public ReadOnlySpan<byte> LogSigningSeed() => VaultSecret(LogSigningScope, KeyPurpose.LogSigning).Material;

    /// <summary>
    /// The AES-256 key that encrypts ASP.NET Data Protection's own keys at rest (created on first
    /// use), wrapped by the master key like every other key: a copy of the database alone does not
    /// let anyone forge a sign-in cookie.
    /// </summary>
    public SuiteKey DataProtectionKey() => VaultSecret(DataProtectionScope, KeyPurpose.DataProtection);

    private SuiteKey VaultSecret(string scope, KeyPurpose purpose)
    {
        if (_vaultSecrets.TryGetValue(scope, out var cached))
        {
            return cached;
        }
        using var db = _dbFactory.CreateDbContext();
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var row = FindActive(db, scope);
            if (row is null)
            {
                TryCreateVersion(db, scope, purpose, level: null, districtCode: null, version: 1, reason: "first use");
                continue;
            }
            var key = new SuiteKey(row.Suite, UnwrapOrThrow(row));
            var winner = _vaultSecrets.GetOrAdd(scope, key);
            if (!ReferenceEquals(winner, key))
            {
                CryptographicOperations.ZeroMemory(key.Material);
            }
            return winner;
        }
        throw new InvalidOperationException($"Could not obtain the key of scope {scope} after {MaxAttempts} attempts.");
    }

    /// <summary>Every key, for <c>keys status</c>.</summary>
    public async Task<IReadOnlyList<KeyStatus>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<StoredKey>().AsNoTracking().ToListAsync(cancellationToken);
        return rows
            .OrderBy(r => r.Scope, StringComparer.Ordinal)
            .ThenBy(r => r.Version)
            .Select(ToStatus)
            .ToList();
    }

    /// <summary>
    /// Makes a new version active for new writes in every data-key scope matching the filters
    /// (null = any). Old versions become decrypt-only and keep opening what they sealed; the
    /// re-encryption pass that moves values to the new version belongs to the store.
    /// </summary>
    public async Task<IReadOnlyList<KeyStatus>> RotateAsync(SensitivityLevel? level, string? districtCode, CancellationToken cancellationToken)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Set<StoredKey>().AsNoTracking().Where(k => k.Purpose == KeyPurpose.Data && k.State == KeyState.Active);
        if (level is { } l)
        {
            query = query.Where(k => k.Level == l);
        }
        if (districtCode is not null)
        {
            query = query.Where(k => k.DistrictCode == districtCode);
        }
        var actives = await query.ToListAsync(cancellationToken);
        var created = new List<KeyStatus>();
        foreach (var active in actives.OrderBy(a => a.Scope, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var lease = _leases.GetOrAdd(active.Scope, static _ => new Lease());
            lock (lease)
            {
                Deactivate(db, active, "rotated");
                TryCreateVersion(db, active.Scope, KeyPurpose.Data, active.Level, active.DistrictCode, active.Version + 1, reason: "rotation");
                lease.Key = null;
                lease.Remaining = 0;
            }
            var now = FindActive(db, active.Scope);
            if (now is not null)
            {
                created.Add(ToStatus(now));
            }
        }
        return created;
    }

    /// <summary>
    /// Erases a decrypt-only key's material. Refuses (returned, not thrown) while it is active or
    /// while the caller says values still use it: retiring then would destroy those values.
    /// </summary>
    public async Task<RetireResult> RetireAsync(string keyId, long valuesStillUsingIt, CancellationToken cancellationToken)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<StoredKey>().SingleOrDefaultAsync(k => k.KeyId == keyId, cancellationToken);
        if (row is null)
        {
            return new RetireResult(keyId, RetireOutcome.NotFound, $"No key has the id '{keyId}'.");
        }
        if (row.Purpose != KeyPurpose.Data)
        {
            return new RetireResult(keyId, RetireOutcome.NotADataKey, $"Key '{keyId}' is a blind-index key; every stored index depends on it.");
        }
        switch (row.State)
        {
            case KeyState.Retired:
                return new RetireResult(keyId, RetireOutcome.AlreadyRetired, $"Key '{keyId}' was already retired.");
            case KeyState.Active:
                return new RetireResult(keyId, RetireOutcome.StillActive, $"Key '{keyId}' still encrypts new values; rotate its scope first.");
            case KeyState.DecryptOnly:
                break;
        }
        if (valuesStillUsingIt > 0)
        {
            return new RetireResult(keyId, RetireOutcome.StillInUse, $"Key '{keyId}' still protects {valuesStillUsingIt} values; re-encrypt them first.");
        }
        row.State = KeyState.Retired;
        row.WrappedKey = [];
        row.RetiredAt = _time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        if (_dataKeys.TryRemove(keyId, out var cached))
        {
            cached.Dispose();
        }
        KeyRingLog.KeyRetired(_logger, keyId);
        return new RetireResult(keyId, RetireOutcome.Retired, $"Key '{keyId}' is retired; its material is erased.");
    }

    /// <summary>
    /// Re-wraps every key under <paramref name="newMasterKey"/> in one transaction and switches this
    /// process to it. The caller must then configure the provider with the new key before the next
    /// start (the old one no longer unwraps anything). The caller zeroes its buffer.
    /// </summary>
    public async Task<int> RewrapAsync(byte[] newMasterKey, CancellationToken cancellationToken)
    {
        var next = new MasterKey(newMasterKey);
        MasterKey current;
        lock (_masterLock)
        {
            current = Master;
        }
        try
        {
            await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var rows = await db.Set<StoredKey>().Where(k => k.State != KeyState.Retired).ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                var key = UnwrapOrThrow(row);
                try
                {
                    row.WrappedKey = next.Wrap(row.KeyId, key, row.Suite);
                    row.MasterKeyId = next.Id;
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(key);
                }
            }
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            lock (_masterLock)
            {
                _master = next;
            }
            KeyRingLog.Rewrapped(_logger, rows.Count, current.Id, next.Id);
            current.Dispose();
            return rows.Count;
        }
        catch
        {
            if (!ReferenceEquals(_master, next))
            {
                next.Dispose();
            }
            throw;
        }
    }

    private Lease CachedLeaseFor(SensitivityLevel level, ReadOnlySpan<char> districtCode, out string district)
    {
        if ((uint)level < (uint)_leasesByLevel.Length && _leasesByLevel[(int)level].TryGetValue(districtCode, out district!, out var lease))
        {
            return lease;
        }
        district = districtCode.ToString();
        lease = LeaseFor(level, district);
        _leasesByLevel[(int)level].TryAdd(district, lease);
        return lease;
    }

    private Lease LeaseFor(SensitivityLevel level, string districtCode)
    {
        if (districtCode.Length != 6 || !districtCode.All(char.IsAsciiDigit))
        {
            throw new ArgumentException("A district code is six digits.", nameof(districtCode));
        }
        if (!Enum.IsDefined(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level));
        }
        return _leases.GetOrAdd(DataScope(level, districtCode), static _ => new Lease());
    }

    /// <summary>Reserves a block on the active key of the scope, creating or rolling over versions as needed. Caller holds the lease's lock.</summary>
    private void Refill(Lease lease, SensitivityLevel level, string districtCode, long minimum = 0)
    {
        var scope = DataScope(level, districtCode);
        var block = Math.Min(Math.Max(_options.ReservationBlock, minimum), _options.RetireAfterEncryptions);
        var ceiling = _options.RetireAfterEncryptions - block;
        using var db = _dbFactory.CreateDbContext();
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var active = FindActive(db, scope);
            if (active is null)
            {
                var next = (db.Set<StoredKey>().Where(k => k.Scope == scope).Max(k => (int?)k.Version) ?? 0) + 1;
                TryCreateVersion(db, scope, KeyPurpose.Data, level, districtCode, next, reason: "first use");
                continue;
            }
            var keyId = active.KeyId;
            // The one atomic step that makes the limit hold across nodes.
            var reserved = db.Set<StoredKey>()
                .Where(k => k.KeyId == keyId && k.State == KeyState.Active && k.EncryptionsReserved <= ceiling)
                .ExecuteUpdate(s => s.SetProperty(k => k.EncryptionsReserved, k => k.EncryptionsReserved + block));
            if (reserved == 1)
            {
                lease.Key = Cache(active);
                lease.Remaining = block;
                return;
            }
            var current = db.Set<StoredKey>().AsNoTracking().Single(k => k.KeyId == keyId);
            if (current.State == KeyState.Active)
            {
                KeyRingLog.UsageLimitReached(_logger, keyId, _options.RetireAfterEncryptions);
                Deactivate(db, current, "usage limit reached");
                TryCreateVersion(db, scope, KeyPurpose.Data, level, districtCode, current.Version + 1, reason: "usage limit");
            }
        }
        throw new InvalidOperationException($"Could not reserve encryptions on a key of scope {scope} after {MaxAttempts} attempts.");
    }

    private static StoredKey? FindActive(VaultDbContext db, string scope) =>
        db.Set<StoredKey>().AsNoTracking()
            .Where(k => k.Scope == scope && k.State == KeyState.Active)
            .OrderByDescending(k => k.Version)
            .FirstOrDefault();

    private void Deactivate(VaultDbContext db, StoredKey key, string reason)
    {
        var now = _time.GetUtcNow();
        var changed = db.Set<StoredKey>()
            .Where(k => k.KeyId == key.KeyId && k.State == KeyState.Active)
            .ExecuteUpdate(s => s.SetProperty(k => k.State, KeyState.DecryptOnly).SetProperty(k => k.DeactivatedAt, now));
        if (changed == 1)
        {
            KeyRingLog.KeyDeactivated(_logger, key.KeyId, reason);
        }
    }

    /// <summary>Inserts a fresh key; returns false if another node created that version first.</summary>
    private bool TryCreateVersion(VaultDbContext db, string scope, KeyPurpose purpose, SensitivityLevel? level, string? districtCode, int version, string reason)
    {
        var keyId = purpose switch
        {
            KeyPurpose.Data => $"dk-{level}-{districtCode}-v{version}",
            KeyPurpose.BlindIndex => $"bi-{scope[3..]}-v{version}",
            KeyPurpose.LogSigning => $"ls-{scope[4..]}-v{version}",
            KeyPurpose.DataProtection => $"dp-v{version}",
        };
        // The tree-head key stays an Ed25519 seed in both suites (SM2 tree heads are the next step of issue 17).
        var suite = purpose == KeyPurpose.LogSigning ? CryptoSuite.Aes : _options.Suite;
        var material = RandomNumberGenerator.GetBytes(purpose == KeyPurpose.LogSigning ? 32 : suite.KeySize());
        try
        {
            var row = new StoredKey
            {
                KeyId = keyId,
                Scope = scope,
                Purpose = purpose,
                Level = level,
                DistrictCode = districtCode,
                Version = version,
                Suite = suite,
                State = KeyState.Active,
                WrappedKey = Master.Wrap(keyId, material, suite),
                MasterKeyId = Master.Id,
                EncryptionsReserved = 0,
                CreatedAt = _time.GetUtcNow(),
            };
            db.Set<StoredKey>().Add(row);
            try
            {
                db.SaveChanges();
            }
            catch (DbUpdateException)
            {
                // Lost the race for (scope, version) or key id: the winner's key is used instead.
                db.ChangeTracker.Clear();
                return false;
            }
            db.ChangeTracker.Clear();
            KeyRingLog.KeyCreated(_logger, keyId, scope, version, reason);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private DataKey Cache(StoredKey row)
    {
        if (_dataKeys.TryGetValue(row.KeyId, out var cached))
        {
            return cached;
        }
        var material = UnwrapOrThrow(row);
        try
        {
            var key = new DataKey(row.KeyId, row.Level!.Value, row.DistrictCode!, row.Suite, material);
            var winner = _dataKeys.GetOrAdd(row.KeyId, key);
            if (!ReferenceEquals(winner, key))
            {
                key.Dispose();
            }
            return winner;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private byte[] UnwrapOrThrow(StoredKey row)
    {
        var master = Master;
        return master.TryUnwrap(row.KeyId, row.WrappedKey, row.Suite)
            ?? throw new MasterKeyException(row.MasterKeyId == master.Id
                ? $"Key '{row.KeyId}' does not unwrap under master key {master.Id}: its stored row was altered."
                : $"Key '{row.KeyId}' was wrapped by master key {row.MasterKeyId}, but {_masterKeyProvider.Source} gives master key {master.Id}. Configure the right master key.");
    }

    private KeyStatus ToStatus(StoredKey row) => new(
        row.KeyId, row.Purpose, row.Level, row.DistrictCode, row.Version, row.State, row.EncryptionsReserved,
        row.Purpose == KeyPurpose.Data ? _options.RetireAfterEncryptions : 0,
        row.MasterKeyId, row.CreatedAt, row.DeactivatedAt, row.RetiredAt)
    {
        Suite = row.Suite,
    };

    internal static string DataScope(SensitivityLevel level, string districtCode) => $"{level}/{districtCode}";

    internal static string BlindIndexScope(BlindIndexKind kind) => $"bi/{kind}";

    internal const string LogSigningScope = "log/tree-heads";

    internal const string DataProtectionScope = "dp/key-ring";

    public void Dispose()
    {
        foreach (var key in _dataKeys.Values)
        {
            key.Dispose();
        }
        _dataKeys.Clear();
        foreach (var key in _vaultSecrets.Values)
        {
            CryptographicOperations.ZeroMemory(key.Material);
        }
        _vaultSecrets.Clear();
        _master?.Dispose();
        _master = null;
    }

    /// <summary>
    /// Whether a data-key scope still encrypts with a key of another suite than the configured one:
    /// after <c>Encryption:Suite</c> changed, until <c>keys rotate</c> has moved every scope over
    /// (new keys take the configured suite; a key never changes its own).
    /// </summary>
    public async Task<bool> AnyActiveKeyOutsideSuiteAsync(CancellationToken cancellationToken)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var suite = _options.Suite;
        return await db.Set<StoredKey>().AnyAsync(k => k.Purpose == KeyPurpose.Data && k.State == KeyState.Active && k.Suite != suite, cancellationToken);
    }

    /// <summary>Encryptions this node may still make with <see cref="Key"/> before reserving again.</summary>
    private sealed class Lease
    {
        public DataKey? Key { get; set; }

        public long Remaining { get; set; }
    }
}

/// <summary>A vault-wide secret and the suite it was created in (which HMAC or cipher it keys).</summary>
internal sealed record SuiteKey(CryptoSuite Suite, byte[] Material);
