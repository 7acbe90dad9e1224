using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.PartnerApi.Authentication;

/// <summary>The organisation making a call, from its validated token, and the person acting for it when a person signed in.</summary>
public sealed record Caller(Guid OrganisationId, OrganisationKind Kind, string Area, string Name, Guid? PersonId = null)
{
    public bool IsOperator => Kind == OrganisationKind.Operator;

    public Actor AsActor => new(OrganisationId, Kind);

    /// <summary>The person, as their changes are recorded; null for an organisation's system (client credentials).</summary>
    public ActingPerson? Person => PersonId is { } person ? new ActingPerson(OrganisationId, person) : null;

    public static Caller From(ClaimsPrincipal user)
    {
        var id = user.FindFirstValue(NetworkTokens.OrganisationClaim);
        var kind = user.FindFirstValue(NetworkTokens.KindClaim);
        if (!Guid.TryParse(id, out var organisationId) || kind is null || !OrganisationKinds.TryParse(kind, out var parsed))
        {
            throw new UnauthorizedAccessException("The token does not name an organisation.");
        }

        Guid? person = null;
        if (user.FindFirstValue(NetworkTokens.PersonClaim) is { } personClaim)
        {
            person = Guid.TryParse(personClaim, out var personId) && personId != Guid.Empty
                ? personId
                : throw new UnauthorizedAccessException("The token's person is not an id.");
        }

        return new Caller(organisationId, parsed, user.FindFirstValue(NetworkTokens.AreaClaim) ?? "", user.FindFirstValue(NetworkTokens.NameClaim) ?? "", person);
    }

    /// <summary>Binds a <see cref="Caller"/> parameter of a minimal API handler from the authenticated user.</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context) => ValueTask.FromResult<Caller?>(From(context.User));
}

public static class OrganisationKinds
{
    public static string ToWire(OrganisationKind kind) => kind.ToWire();

    public static bool TryParse(string wire, out OrganisationKind kind) => WireNames.TryParse(wire, out kind);
}
