namespace DataVault.Vault.Schema;

/// <summary>The type of a resident field's values, as declared in <c>policies/fields.csv</c>.</summary>
public enum FieldType
{
    String,
    Date,
    Enum,
    Int,
    Bool,
    Code,
}

/// <summary>
/// What the <c>masked</c> fidelity of a field shows (DESIGN.md, "Views"). <c>Category</c> and
/// <c>Exists</c> never show the value itself, only its class or its presence.
/// </summary>
public enum MaskingRule
{
    None,
    Name,
    Phone,
    IdNumber,
    BirthYear,
    Address,
    Category,
    Exists,
}

/// <summary>One field of the resident schema: one line of <c>policies/fields.csv</c>.</summary>
public sealed record FieldDefinition(
    string Key,
    string LabelZh,
    string LabelEn,
    FieldType Type,
    string Category,
    string Department,
    SensitivityLevel Level,
    MaskingRule Masking,
    FieldRule Rule,
    bool Indexed,
    bool Required)
{
    /// <summary>L3 and above are stored only as envelopes (DESIGN.md, "Encryption and keys").</summary>
    public bool IsEncrypted => Level >= SensitivityLevel.L3;
}

/// <summary>A problem in a policy file, with its line (1-based, header = 1) and column name.</summary>
public sealed record PolicyFileError(string File, int Line, string Column, string Reason)
{
    public override string ToString() => $"{File}:{Line}: column '{Column}': {Reason}";
}
