using System.Security.Cryptography;
using DataVault.Identity.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace DataVault.Identity.Keys;

/// <summary>The token keys in use: signing keys (active first) and the encryption key.</summary>
internal sealed record TokenKeys(IReadOnlyList<RsaSecurityKey> SigningKeys, SymmetricSecurityKey EncryptionKey);

/// <summary>
/// Loads the token keys from the identity store, creating and retiring them on schedule
/// (<see cref="SigningKeySchedule"/>). Private keys exist in clear only in memory; on disk they are
/// always the output of <see cref="ISigningKeyProtector"/>.
/// </summary>
internal sealed partial class TokenKeyStore(
    IServiceScopeFactory scopes,
    ISigningKeyProtector protector,
    IOptions<IdentityServerOptions> options,
    TimeProvider time,
    ILogger<TokenKeyStore> logger)
{
    public const string SigningUse = "signing";
    public const string EncryptionUse = "encryption";

    private readonly Lock _gate = new();

    public TokenKeys LoadAndRotate()
    {
        lock (_gate)
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<IdentityStoreDbContext>();
            var o = options.Value;
            var now = time.GetUtcNow();
            var retention = new[] { o.AccessTokenLifetime, o.RefreshTokenLifetime, o.AuthorizationCodeLifetime }.Max() + TimeSpan.FromMinutes(5);

            var records = db.SigningKeys.AsNoTracking().ToList();
            var signing = records.Where(r => r.Use == SigningUse).ToList();
            var plan = SigningKeySchedule.Plan([.. signing.Select(r => new ScheduledKey(r.Id, r.NotBefore))], now, o.SigningKeyRotation, o.SigningKeyPropagation, retention);
            if (plan.CreateWithNotBefore is { } notBefore)
            {
                using var rsa = RSA.Create(2048);
                var record = NewRecord(SigningUse, now, notBefore, rsa.ExportPkcs8PrivateKey());
                db.SigningKeys.Add(record);
                db.SaveChanges();
                LogKeyCreated(logger, record.Id, SigningUse, notBefore);
                return LoadAndRotate();
            }
            if (plan.Expired.Count > 0)
            {
                var expiredIds = plan.Expired.Select(k => k.Id).ToList();
                db.SigningKeys.Where(r => expiredIds.Contains(r.Id)).ExecuteDelete();
                foreach (var id in expiredIds)
                {
                    LogKeyRemoved(logger, id);
                }
            }

            var encryption = records.Where(r => r.Use == EncryptionUse).OrderByDescending(r => r.NotBefore).FirstOrDefault();
            if (encryption is null)
            {
                encryption = NewRecord(EncryptionUse, now, now, RandomNumberGenerator.GetBytes(32));
                db.SigningKeys.Add(encryption);
                db.SaveChanges();
                LogKeyCreated(logger, encryption.Id, EncryptionUse, now);
            }

            var byId = signing.ToDictionary(r => r.Id, StringComparer.Ordinal);
            var signingKeys = plan.Published.Select(k => ToRsaKey(byId[k.Id])).ToList();
            var encryptionKey = new SymmetricSecurityKey(protector.Unprotect(encryption.Id, encryption.ProtectedKey)) { KeyId = encryption.Id };
            return new TokenKeys(signingKeys, encryptionKey);
        }
    }

    /// <summary>When the schedule next changes (a pending key starts signing or a new one is due), so the server reloads then.</summary>
    public DateTimeOffset NextChange()
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityStoreDbContext>();
        var o = options.Value;
        var now = time.GetUtcNow();
        var starts = db.SigningKeys.AsNoTracking().Where(r => r.Use == SigningUse).Select(r => r.NotBefore).ToList();
        var candidates = starts.Where(s => s > now).ToList();
        if (starts.Count > 0)
        {
            candidates.Add(starts.Max() + o.SigningKeyRotation - o.SigningKeyPropagation);
        }
        var next = candidates.Where(c => c > now).DefaultIfEmpty(now + TimeSpan.FromHours(1)).Min();
        return next < now + TimeSpan.FromHours(1) ? next : now + TimeSpan.FromHours(1);
    }

    private SigningKeyRecord NewRecord(string use, DateTimeOffset now, DateTimeOffset notBefore, byte[] material)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        try
        {
            return new SigningKeyRecord { Id = id, Use = use, CreatedAt = now, NotBefore = notBefore, ProtectedKey = protector.Protect(id, material) };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private RsaSecurityKey ToRsaKey(SigningKeyRecord record)
    {
        var pkcs8 = protector.Unprotect(record.Id, record.ProtectedKey);
        try
        {
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return new RsaSecurityKey(rsa) { KeyId = record.Id };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Created token key {KeyId} ({Use}), signing from {NotBefore:O}")]
    private static partial void LogKeyCreated(ILogger logger, string keyId, string use, DateTimeOffset notBefore);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Removed expired signing key {KeyId}")]
    private static partial void LogKeyRemoved(ILogger logger, string keyId);
}

/// <summary>
/// Puts the stored keys into OpenIddict's options, and keeps the active key first: OpenIddict
/// signs with the first credential, and its own sort leaves equal RSA keys in no defined order.
/// </summary>
internal sealed class TokenKeyConfiguration(TokenKeyStore store) : IConfigureOptions<OpenIddictServerOptions>, IPostConfigureOptions<OpenIddictServerOptions>
{
    private volatile string[] _order = [];

    public void Configure(OpenIddictServerOptions options)
    {
        var keys = store.LoadAndRotate();
        _order = [.. keys.SigningKeys.Select(k => k.KeyId)];
        foreach (var key in keys.SigningKeys)
        {
            options.SigningCredentials.Add(new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
        }
        options.EncryptionCredentials.Add(new EncryptingCredentials(keys.EncryptionKey, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
    }

    public void PostConfigure(string? name, OpenIddictServerOptions options)
    {
        var order = _order;
        var sorted = options.SigningCredentials
            .OrderBy(c => Array.IndexOf(order, c.Key.KeyId) is var i and >= 0 ? i : int.MaxValue)
            .ToList();
        options.SigningCredentials.Clear();
        options.SigningCredentials.AddRange(sorted);
    }
}
