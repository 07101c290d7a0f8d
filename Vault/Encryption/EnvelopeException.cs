namespace DataVault.Vault.Encryption;

/// <summary>Why an envelope could not be opened. The names are stable: callers may map them to problem codes.</summary>
public enum EnvelopeFailure
{
    /// <summary>Too short, or the header's lengths do not add up.</summary>
    Malformed,
    /// <summary>A format version this build does not read.</summary>
    UnsupportedVersion,
    /// <summary>An algorithm id this build does not implement (neither 1, AES-256-GCM, nor 2, SM4-GCM).</summary>
    UnsupportedAlgorithm,
    /// <summary>The key id is not in the key ring.</summary>
    UnknownKey,
    /// <summary>The key exists but was retired (its material is gone).</summary>
    RetiredKey,
    /// <summary>The key belongs to another level or district than the slot.</summary>
    KeyNotForSlot,
    /// <summary>The GCM tag did not verify: the bytes were altered, or they belong to another slot.</summary>
    AuthenticationFailed,
}

/// <summary>
/// An envelope could not be opened. The message names the record and the field, and the key id
/// where one was read, but NEVER the value, the plaintext or any key material.
/// </summary>
public sealed class EnvelopeException : Exception
{
    internal EnvelopeException(EnvelopeFailure reason, string recordId, string fieldKey, string? keyId = null)
        : base(Describe(reason, recordId, fieldKey, keyId))
    {
        Reason = reason;
        RecordId = recordId;
        FieldKey = fieldKey;
        KeyId = keyId;
    }

    public EnvelopeFailure Reason { get; }

    public string RecordId { get; }

    public string FieldKey { get; }

    public string? KeyId { get; }

    private static string Describe(EnvelopeFailure reason, string recordId, string fieldKey, string? keyId)
    {
        var why = reason switch
        {
            EnvelopeFailure.Malformed => "the envelope is malformed (truncated or inconsistent header)",
            EnvelopeFailure.UnsupportedVersion => "the envelope format version is not supported",
            EnvelopeFailure.UnsupportedAlgorithm => "the envelope's algorithm id is not supported by this build",
            EnvelopeFailure.UnknownKey => $"the key id '{keyId}' is not in the key ring",
            EnvelopeFailure.RetiredKey => $"the key '{keyId}' has been retired and can no longer decrypt",
            EnvelopeFailure.KeyNotForSlot => $"the key '{keyId}' belongs to another level or district than this field (value moved from another slot?)",
            EnvelopeFailure.AuthenticationFailed => "authentication failed: the envelope was tampered with, or it belongs to another record, field, jurisdiction or level",
        };
        return $"Cannot open field '{fieldKey}' of record '{recordId}': {why}.";
    }
}
