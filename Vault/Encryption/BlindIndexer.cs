using System.Security.Cryptography;
using System.Text;
using DataVault.Vault.Keys;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Encryption;

/// <summary>What a blind index is computed over; each kind has its own HMAC key.</summary>
public enum BlindIndexKind
{
    /// <summary>Resident ID number (GB 11643).</summary>
    IdNumber,
    /// <summary>Mobile or landline phone number.</summary>
    Phone,
    /// <summary>Household code (户编号, 一户一码): finds a household's members without opening records.</summary>
    Household,
}

/// <summary>
/// Keyed equality indexes (DESIGN.md, "Encryption and keys"): HMAC-SHA256 (HMAC-SM3 for a key of the
/// <c>Sm</c> suite) of the normalised value under a blind-index key of its own (not a data key, wrapped by the master key like
/// them), so the store can find a resident by ID number or phone without decrypting, and a
/// stolen database cannot be brute-forced over the small space of phone numbers without the key.
/// Never for L5 fields. Singleton; thread-safe.
/// </summary>
internal sealed class BlindIndexer(KeyRing keyRing)
{
    /// <summary>Size of an index value in bytes.</summary>
    public const int Size = 32;

    /// <summary>The index of <paramref name="rawValue"/>, for lookups and for storing beside the envelope.</summary>
    public byte[] Compute(BlindIndexKind kind, string rawValue)
    {
        ArgumentNullException.ThrowIfNull(rawValue);
        var normalised = Encoding.UTF8.GetBytes(Normalise(kind, rawValue));
        try
        {
            var key = keyRing.BlindIndexKey(kind);
            return key.Suite == CryptoSuite.Sm ? Gm.GmPrimitives.HmacSm3(key.Material, normalised) : HMACSHA256.HashData(key.Material, normalised);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(normalised);
        }
    }

    /// <summary>
    /// The index of a field of <paramref name="level"/>: refuses L5, whose values must not be
    /// findable at all (an index reveals equality between residents).
    /// </summary>
    public byte[] Compute(BlindIndexKind kind, SensitivityLevel level, string rawValue)
    {
        if (level >= SensitivityLevel.L5)
        {
            throw new InvalidOperationException("Blind indexes are never kept for L5 fields.");
        }
        return Compute(kind, rawValue);
    }

    /// <summary>
    /// Canonical form before hashing, so that the ways people type the same number give one index:
    /// full-width forms (U+FF01–U+FF5E, as Chinese input methods produce) become ASCII, spaces
    /// (including U+3000) and hyphens/dashes are removed; an ID number is upper-cased (a trailing
    /// check character x becomes X); a phone loses a +86 or 0086 country prefix.
    /// </summary>
    public static string Normalise(BlindIndexKind kind, string rawValue)
    {
        var buffer = rawValue.Length <= 256 ? stackalloc char[rawValue.Length] : new char[rawValue.Length];
        var length = 0;
        foreach (var raw in rawValue)
        {
            var c = raw switch
            {
                >= '\uFF01' and <= '\uFF5E' => (char)(raw - 0xFEE0),
                '\u3000' => ' ',
                _ => raw,
            };
            if (char.IsWhiteSpace(c) || IsHyphen(c))
            {
                continue;
            }
            buffer[length++] = kind switch
            {
                BlindIndexKind.IdNumber or BlindIndexKind.Household => char.ToUpperInvariant(c),
                BlindIndexKind.Phone => c,
            };
        }
        var result = buffer[..length];
        if (kind == BlindIndexKind.Phone)
        {
            if (result.StartsWith("+86"))
            {
                result = result[3..];
            }
            else if (result.StartsWith("0086"))
            {
                result = result[4..];
            }
        }
        return new string(result);
    }

    private static bool IsHyphen(char c) => c is '-' or (>= '\u2010' and <= '\u2015') or '\u2212' or '\uFE58' or '\uFE63';
}
