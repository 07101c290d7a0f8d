namespace DataVault.Vault.Schema;

/// <summary>
/// Sensitivity of a resident field, after PIPL art. 28 and GB/T 35273 (see DESIGN.md, "Field
/// classification"). L3 and above are always stored encrypted.
/// </summary>
public enum SensitivityLevel
{
    /// <summary>Public or aggregate.</summary>
    L1 = 1,
    /// <summary>Internal, pseudonymous.</summary>
    L2 = 2,
    /// <summary>Personal.</summary>
    L3 = 3,
    /// <summary>Sensitive personal (PIPL art. 28).</summary>
    L4 = 4,
    /// <summary>Restricted special identity: never indexed, never exported.</summary>
    L5 = 5,
}
