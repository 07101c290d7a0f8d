using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace DataVault.Identity.Validation;

/// <summary>
/// OpenIddict's validation checks a token's expiry but not its <c>nbf</c> (RFC 7519 §4.1.5: the
/// token MUST NOT be accepted before that time). A token minted to start later (pre-issued, or
/// with a signing clock far ahead) is refused here, with the same skew allowed as for expiry.
/// </summary>
internal sealed class RejectTokensNotYetValid(TimeProvider time) : IOpenIddictValidationHandler<OpenIddictValidationEvents.ValidateTokenContext>
{
    public static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    public static OpenIddictValidationHandlerDescriptor Descriptor { get; } =
        OpenIddictValidationHandlerDescriptor.CreateBuilder<OpenIddictValidationEvents.ValidateTokenContext>()
            .UseSingletonHandler<RejectTokensNotYetValid>()
            .SetOrder(OpenIddictValidationHandlers.Protection.ValidateExpirationDate.Descriptor.Order + 500)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(OpenIddictValidationEvents.ValidateTokenContext context)
    {
        if (context.Principal is null || string.IsNullOrEmpty(context.Token))
        {
            return ValueTask.CompletedTask;
        }
        DateTime notBefore;
        try
        {
            notBefore = new JsonWebToken(context.Token).ValidFrom;
        }
        catch (ArgumentException)
        {
            return ValueTask.CompletedTask; // not a JWT: nothing more to check here
        }
        if (notBefore != DateTime.MinValue && notBefore > time.GetUtcNow().UtcDateTime + Skew)
        {
            context.Reject(Errors.InvalidToken, "The specified token is not yet valid.");
        }
        return ValueTask.CompletedTask;
    }
}
