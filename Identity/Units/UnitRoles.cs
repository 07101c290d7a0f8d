using System.Text.RegularExpressions;

namespace DataVault.Identity.Units;

/// <summary>The roles and departments a unit may hold, and the rules tying them together.</summary>
public static partial class UnitRoles
{
    public const string CommunityWorker = "community_worker";
    public const string GridWorker = "grid_worker";
    public const string StreetOfficer = "street_officer";
    public const string DistrictAnalyst = "district_analyst";
    public const string Caseworker = "caseworker";
    public const string PrivacyOfficer = "privacy_officer";
    public const string Auditor = "auditor";
    public const string Resident = "resident";

    public static readonly IReadOnlyList<string> All =
        [CommunityWorker, GridWorker, StreetOfficer, DistrictAnalyst, Caseworker, PrivacyOfficer, Auditor, Resident];

    public static readonly IReadOnlyList<string> Departments =
        ["civil_affairs", "health", "public_security", "justice", "disabled_federation", "veterans"];

    /// <summary>Roles that cannot obtain a token without a second factor: they see policy and the whole access log.</summary>
    public static bool RequiresSecondFactor(string role) => role is PrivacyOfficer or Auditor;

    // 6 digits (district), 9 (street), 12 (community), optionally "-NN" for a grid.
    [GeneratedRegex(@"^\d{6}(\d{3}(\d{3}(-\d{2})?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex JurisdictionPattern();

    /// <summary>Checks a unit; returns the reason it is invalid, or null when it is valid.</summary>
    public static string? Validate(string role, string jurisdiction, string? department)
    {
        if (!All.Contains(role))
        {
            return $"unknown role '{role}' (expected one of: {string.Join(", ", All)})";
        }
        if (!JurisdictionPattern().IsMatch(jurisdiction))
        {
            return $"invalid jurisdiction code '{jurisdiction}' (expected 6, 9 or 12 digits, optionally followed by -NN for a grid)";
        }
        if (role == Caseworker && department is null)
        {
            return $"role '{Caseworker}' needs a department (one of: {string.Join(", ", Departments)})";
        }
        if (department is not null && role != Caseworker)
        {
            return $"only role '{Caseworker}' carries a department";
        }
        if (department is not null && !Departments.Contains(department))
        {
            return $"unknown department '{department}' (expected one of: {string.Join(", ", Departments)})";
        }
        return null;
    }

    /// <summary>The <see cref="UnitClaims.Unit"/> value for a unit.</summary>
    public static string UnitName(string role, string jurisdiction, string? department) =>
        department is null ? $"{role}@{jurisdiction}" : $"{role}:{department}@{jurisdiction}";

    /// <summary>The inverse of <see cref="UnitName"/>: <c>role@jurisdiction</c> or <c>role:department@jurisdiction</c>; null when it is neither.</summary>
    public static (string Role, string Jurisdiction, string? Department)? ParseUnitName(string unit)
    {
        var at = unit.LastIndexOf('@');
        if (at <= 0 || at == unit.Length - 1)
        {
            return null;
        }
        var head = unit[..at];
        var colon = head.IndexOf(':');
        return colon < 0 ? (head, unit[(at + 1)..], null) : (head[..colon], unit[(at + 1)..], head[(colon + 1)..]);
    }
}
