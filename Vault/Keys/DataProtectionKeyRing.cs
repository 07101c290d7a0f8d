using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using DataVault.Vault.Encryption;
using DataVault.Vault.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Keys;

/// <summary>
/// ASP.NET Data Protection (sign-in cookies, antiforgery tokens) keeps its key ring in the vault's
/// store, each key encrypted under <see cref="KeyRing.DataProtectionKey"/> (issue 14, item 9). In
/// the store, not in a home directory: every node on one PostgreSQL reads the same ring, so a cookie
/// issued by one node is honoured by the next; and never as plain XML ("No XML encryptor configured").
/// </summary>
internal static class DataProtectionKeyRing
{
    public const string ApplicationName = "DataVault";

    public static IServiceCollection AddVaultDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            options.XmlRepository = new StoreXmlRepository(sp.GetRequiredService<VaultDbContextFactory>());
            options.XmlEncryptor = new KeyRingXmlEncryptor(sp.GetRequiredService<KeyRing>());
        }));
        return services;
    }
}

/// <summary>One Data Protection key as Data Protection hands it over: an XML element, here already encrypted.</summary>
internal sealed class DataProtectionKeyRow
{
    public int Id { get; set; }

    public string? FriendlyName { get; set; }

    public required string Xml { get; set; }
}

internal sealed class DataProtectionKeyRowConfiguration : IEntityTypeConfiguration<DataProtectionKeyRow>
{
    public void Configure(EntityTypeBuilder<DataProtectionKeyRow> builder)
    {
        builder.ToTable("data_protection_keys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).HasColumnName("id");
        builder.Property(k => k.FriendlyName).HasColumnName("friendly_name").HasMaxLength(100);
        builder.Property(k => k.Xml).HasColumnName("xml").IsRequired();
    }
}

/// <summary>Data Protection's key ring as rows of <c>data_protection_keys</c>; appends only, as Data Protection expects.</summary>
internal sealed class StoreXmlRepository(VaultDbContextFactory dbs) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var db = dbs.CreateDbContext();
        return [.. db.Set<DataProtectionKeyRow>().AsNoTracking().OrderBy(k => k.Id).AsEnumerable().Select(k => XElement.Parse(k.Xml))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var db = dbs.CreateDbContext();
        db.Add(new DataProtectionKeyRow { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }
}

/// <summary>
/// Encrypts a Data Protection key element with AES-256-GCM under the key ring's data-protection key:
/// <c>&lt;encryptedKey scheme="aes-256-gcm/key-ring"&gt;base64(nonce 12 ‖ ciphertext ‖ tag 16)&lt;/encryptedKey&gt;</c>,
/// the associated data being a fixed label, so the ciphertext cannot be passed off as another kind of sealed value.
/// </summary>
internal sealed class KeyRingXmlEncryptor(KeyRing keys) : IXmlEncryptor
{
    internal const string ElementName = "encryptedKey";
    private const int NonceSize = 12;
    private static readonly byte[] Label = "datavault/data-protection-xml/v1"u8.ToArray();

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        try
        {
            var sealedBytes = new byte[NonceSize + plaintext.Length + GcmKey.TagSize];
            RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, NonceSize));
            var key = keys.DataProtectionKey();
            using var aead = new GcmKey(key.Suite.Aead(), key.Material);
            aead.Encrypt(sealedBytes.AsSpan(0, NonceSize), Label, plaintext, sealedBytes.AsSpan(NonceSize));
            var scheme = key.Suite == CryptoSuite.Sm ? "sm4-gcm/key-ring" : "aes-256-gcm/key-ring";
            var element = new XElement(ElementName, new XAttribute("scheme", scheme), Convert.ToBase64String(sealedBytes));
            return new EncryptedXmlInfo(element, typeof(KeyRingXmlDecryptor));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    internal static XElement Decrypt(KeyRing keys, XElement encryptedElement)
    {
        var sealedBytes = Convert.FromBase64String(encryptedElement.Value);
        if (sealedBytes.Length < NonceSize + GcmKey.TagSize)
        {
            throw new CryptographicException("A Data Protection key element is too short to be one this vault encrypted.");
        }
        var plaintext = new byte[sealedBytes.Length - NonceSize - GcmKey.TagSize];
        try
        {
            var key = keys.DataProtectionKey();
            using var aead = new GcmKey(key.Suite.Aead(), key.Material);
            if (!aead.TryDecrypt(sealedBytes.AsSpan(0, NonceSize), Label, sealedBytes.AsSpan(NonceSize), plaintext))
            {
                throw new CryptographicException("A Data Protection key element does not decrypt under this vault's key ring (another master key, or altered).");
            }
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}

/// <summary>Activated by Data Protection (by type name, with the service provider) to read what <see cref="KeyRingXmlEncryptor"/> wrote.</summary>
public sealed class KeyRingXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) => KeyRingXmlEncryptor.Decrypt(services.GetRequiredService<KeyRing>(), encryptedElement);
}
