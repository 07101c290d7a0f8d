namespace DataVault.Identity.Units;

/// <summary>
/// The claims DataVault puts in its access tokens to say which unit is calling
/// (docs/identity.md lists them). APIs read a caller's role, jurisdiction and department from
/// these claims only, never from a header.
/// </summary>
public static class UnitClaims
{
    /// <summary>The role, one of <see cref="UnitRoles.All"/>.</summary>
    public const string Role = "dv_role";

    /// <summary>The jurisdiction code (national statistical division code, optionally with a grid suffix).</summary>
    public const string Jurisdiction = "dv_jurisdiction";

    /// <summary>The department (caseworkers only), one of <see cref="UnitRoles.Departments"/>.</summary>
    public const string Department = "dv_department";

    /// <summary>The unit: <c>role@jurisdiction</c> or <c>role:department@jurisdiction</c>.</summary>
    public const string Unit = "dv_unit";

    /// <summary>The kind of caller: <c>client</c> (an API consumer) or <c>user</c> (a person).</summary>
    public const string CallerKind = "dv_caller";

    /// <summary>The audience (resource) every DataVault API token is issued for.</summary>
    public const string ApiAudience = "datavault-api";

    /// <summary>The scope a client asks for to reach the DataVault API.</summary>
    public const string ApiScope = "datavault";

    /// <summary>How a person signed in (RFC 8176), a JSON array: <c>pwd</c>, <c>otp</c>, <c>mfa</c>, <c>sms</c>.</summary>
    public const string AuthenticationMethods = "amr";

    /// <summary>
    /// Every claim the server issues in tokens or userinfo (discovery's <c>claims_supported</c>):
    /// the subject, the unit, how a person signed in, an officer's name and a resident's phone.
    /// </summary>
    public static readonly string[] Issued =
    [
        "sub", CallerKind, Role, Jurisdiction, Department, Unit, AuthenticationMethods, "name", "phone_number", "phone_number_verified",
    ];
}
