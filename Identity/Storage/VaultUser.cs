using Microsoft.AspNetCore.Identity;

namespace DataVault.Identity.Storage;

/// <summary>A person who signs in: an officer (username + password) or a resident (phone + one-time code).</summary>
internal sealed class VaultUser : IdentityUser
{
    public string Role { get; set; } = "";

    public string Jurisdiction { get; set; } = "";

    public string? Department { get; set; }
}
