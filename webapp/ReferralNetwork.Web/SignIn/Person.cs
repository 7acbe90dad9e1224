using System.Security.Claims;
using ReferralNetwork.Contracts;

namespace ReferralNetwork.Web.SignIn;

/// <summary>The person signed in, as their network token describes them and their organisation.</summary>
public sealed record Person(Guid Id, string Name, Guid OrganisationId, string OrganisationName, string Kind)
{
    // The network token's claims (NetworkTokens in the services), copied onto the session at sign-in.
    public const string PersonClaim = "person";
    public const string PersonNameClaim = "person_name";
    public const string OrganisationClaim = "org";
    public const string OrganisationNameClaim = "org_name";
    public const string KindClaim = "kind";

    public const string CommunityProvider = "community-provider";
    public const string LinkWorkerService = "link-worker-service";

    public bool IsProvider => Kind == CommunityProvider;

    public bool IsLinkWorkerService => Kind == LinkWorkerService;

    public static Person? Of(ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirst(PersonClaim)?.Value, out var id)
        && Guid.TryParse(principal.FindFirst(OrganisationClaim)?.Value, out var organisation)
        && principal.FindFirst(KindClaim)?.Value is { Length: > 0 } kind
            ? new Person(id, principal.FindFirst(PersonNameClaim)?.Value ?? "", organisation, principal.FindFirst(OrganisationNameClaim)?.Value ?? "", kind)
            : null;

    /// <summary>The organisation's kind as people read it.</summary>
    public string KindName => Kind switch
    {
        CommunityProvider => "Community provider",
        LinkWorkerService => "Link-worker service",
        _ => Enum.TryParse<OrganisationKind>(Kind.Replace("-", ""), ignoreCase: true, out var known) ? known.ToString() : Kind,
    };
}
