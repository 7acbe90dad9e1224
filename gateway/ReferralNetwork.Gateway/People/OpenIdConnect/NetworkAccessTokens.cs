using System.Globalization;
using System.Security.Claims;
using OpenIddict.Server;
using ReferralNetwork.Contracts;
using ReferralNetwork.Gateway.Clients;
using ReferralNetwork.Gateway.Tokens;
using ReferralNetwork.PartnerApi.Authentication;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace ReferralNetwork.Gateway.People.OpenIdConnect;

/// <summary>
/// The OpenID Connect server's access tokens are the network's own: made by <see cref="TokenIssuer"/>, as
/// for client credentials, so every service accepts them unchanged. It replaces the one OpenIddict made
/// straight after it is made, before the id token's at_hash is computed from it or the response is written.
/// </summary>
public sealed class NetworkAccessTokens(TokenIssuer issuer) : IOpenIddictServerHandler<ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseSingletonHandler<NetworkAccessTokens>()
            .SetOrder(OpenIddictServerHandlers.GenerateAccessToken.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessSignInContext context)
    {
        if (context.IncludeAccessToken)
        {
            context.AccessToken = issuer.IssueForPerson(SubjectOf(context.AccessTokenPrincipal, out var person, out var name), person, name);
        }

        return default;
    }

    /// <summary>The principal the token endpoint signed in with: see <see cref="OidcServer"/>.</summary>
    public static TokenSubject SubjectOf(ClaimsPrincipal? principal, out Guid person, out string personName)
    {
        string Required(string type) => principal?.FindFirst(type)?.Value
            ?? throw new InvalidOperationException($"The person's principal has no {type} claim.");

        person = Guid.Parse(Required(NetworkTokens.PersonClaim), CultureInfo.InvariantCulture);
        personName = Required(NetworkTokens.PersonNameClaim);
        if (!OrganisationKinds.TryParse(Required(NetworkTokens.KindClaim), out var kind))
        {
            throw new InvalidOperationException("The person's principal has an unknown kind.");
        }

        return new TokenSubject(
            Guid.Parse(Required(NetworkTokens.OrganisationClaim), CultureInfo.InvariantCulture),
            kind,
            Required(NetworkTokens.AreaClaim),
            Required(NetworkTokens.NameClaim),
            principal!.FindFirst(Claims.Private.Presenter)?.Value ?? principal.FindFirst(Claims.ClientId)?.Value ?? "",
            int.Parse(Required(NetworkTokens.GenerationClaim), NumberStyles.None, CultureInfo.InvariantCulture));
    }
}
