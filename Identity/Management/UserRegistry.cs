using System.Text.RegularExpressions;
using DataVault.Identity.Storage;
using DataVault.Identity.Units;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Identity.Management;

/// <summary>A person as an operator sees them (no password, no phone number, no MFA secret).</summary>
public sealed record UserSummary(string UserName, string Role, string Jurisdiction, string? Department, bool LockedOut, bool SecondFactorEnabled);

/// <summary>Adds, lists, locks users and resets their second factor (the <c>users</c> verbs and the demo seeder).</summary>
internal sealed partial class UserRegistry(UserManager<VaultUser> users, TimeProvider time)
{
    [GeneratedRegex(@"^1\d{10}$", RegexOptions.CultureInvariant)]
    private static partial Regex MainlandMobile();

    /// <summary>Normalises a mainland mobile number (digits only, optional +86); null when it is not one.</summary>
    public static string? NormalisePhone(string? phone)
    {
        if (phone is null)
        {
            return null;
        }
        var digits = new string([.. phone.Where(char.IsAsciiDigit)]);
        if (digits.StartsWith("86", StringComparison.Ordinal) && digits.Length == 13)
        {
            digits = digits[2..];
        }
        return MainlandMobile().IsMatch(digits) ? digits : null;
    }

    public async Task<string?> AddAsync(string userName, string role, string jurisdiction, string? department, string? phone, string password)
    {
        if (UnitRoles.Validate(role, jurisdiction, department) is { } invalid)
        {
            return invalid;
        }
        string? normalisedPhone = null;
        if (phone is not null && (normalisedPhone = NormalisePhone(phone)) is null)
        {
            return "the phone number must be a mainland mobile number (11 digits starting with 1)";
        }
        if (role == UnitRoles.Resident && normalisedPhone is null)
        {
            return "a resident needs a phone number: residents sign in with their phone and a one-time code";
        }
        if (normalisedPhone is not null && await users.Users.AnyAsync(u => u.PhoneNumber == normalisedPhone))
        {
            return "another user already has this phone number";
        }
        var user = new VaultUser
        {
            UserName = userName,
            Role = role,
            Jurisdiction = jurisdiction,
            Department = department,
            PhoneNumber = normalisedPhone,
            PhoneNumberConfirmed = normalisedPhone is not null,
            LockoutEnabled = true,
        };
        var result = await users.CreateAsync(user, password);
        // Identity's messages name the rule broken, never the password itself.
        return result.Succeeded ? null : string.Join("; ", result.Errors.Select(e => e.Description));
    }

    public async Task<IReadOnlyList<UserSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var all = await users.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(cancellationToken);
        return [.. all.Select(u => new UserSummary(u.UserName!, u.Role, u.Jurisdiction, u.Department, u.LockoutEnd > now, u.TwoFactorEnabled))];
    }

    /// <summary>Locks a user until an operator unlocks them; their sessions end at the next check of the security stamp.</summary>
    public async Task<bool> LockAsync(string userName)
    {
        var user = await users.FindByNameAsync(userName);
        if (user is null)
        {
            return false;
        }
        await users.SetLockoutEnabledAsync(user, true);
        await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
        await users.UpdateSecurityStampAsync(user);
        return true;
    }

    /// <summary>Removes the authenticator: the next sign-in must enrol a new one (required roles cannot skip it).</summary>
    public async Task<bool> ResetSecondFactorAsync(string userName)
    {
        var user = await users.FindByNameAsync(userName);
        if (user is null)
        {
            return false;
        }
        await users.SetTwoFactorEnabledAsync(user, false);
        await users.ResetAuthenticatorKeyAsync(user);
        await users.UpdateSecurityStampAsync(user);
        return true;
    }
}
