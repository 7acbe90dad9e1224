using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using ReferralNetwork.Contracts;

namespace ReferralNetwork.PartnerApi.Authentication;

/// <summary>The organisation making a call, from its validated token.</summary>
public sealed record Caller(Guid OrganisationId, OrganisationKind Kind, string Area, string Name)
{
    public bool IsOperator => Kind == OrganisationKind.Operator;

    public Actor AsActor => new(OrganisationId, Kind);

    public static Caller From(ClaimsPrincipal user)
    {
        var id = user.FindFirstValue(NetworkTokens.OrganisationClaim);
        var kind = user.FindFirstValue(NetworkTokens.KindClaim);
        if (!Guid.TryParse(id, out var organisationId) || kind is null || !OrganisationKinds.TryParse(kind, out var parsed))
        {
            throw new UnauthorizedAccessException("The token does not name an organisation.");
        }

        return new Caller(organisationId, parsed, user.FindFirstValue(NetworkTokens.AreaClaim) ?? "", user.FindFirstValue(NetworkTokens.NameClaim) ?? "");
    }

    /// <summary>Binds a <see cref="Caller"/> parameter of a minimal API handler from the authenticated user.</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context) => ValueTask.FromResult<Caller?>(From(context.User));
}

public static class OrganisationKinds
{
    public static string ToWire(OrganisationKind kind) => kind.ToWire();

    public static bool TryParse(string wire, out OrganisationKind kind) => WireNames.TryParse(wire, out kind);
}
