using ReferralNetwork.Contracts;

namespace ReferralNetwork.Gateway.Organisations;

/// <summary>The operator registered a partner organisation. The client secret is deliberately absent.</summary>
public sealed record OrganisationRegistered(
    Guid OrganisationId, string Name, OrganisationKind Kind, string Area, string? OdsCode, string ClientId, DateTimeOffset At);

/// <summary>The operator issued the organisation a new client secret (the secret itself is never in an event).</summary>
public sealed record ClientSecretRotated(Guid OrganisationId, DateTimeOffset At);

/// <summary>
/// A partner organisation as the registry knows it, evolved from its events (an inline snapshot,
/// so it can be loaded and listed as a document). Marten 9 needs Create/Apply to be public.
/// </summary>
public sealed record Organisation(
    Guid Id, string Name, OrganisationKind Kind, string Area, string? OdsCode, string ClientId, DateTimeOffset RegisteredAt, DateTimeOffset SecretIssuedAt)
{
    public static Organisation Create(OrganisationRegistered e) =>
        new(e.OrganisationId, e.Name, e.Kind, e.Area, e.OdsCode, e.ClientId, e.At, e.At);

    public Organisation Apply(ClientSecretRotated e) => this with { SecretIssuedAt = e.At };

    /// <summary>Deciding a registration: a valid request becomes the event that starts the organisation's stream.</summary>
    public static OrganisationRegistered Register(ValidRegistration registration, Guid id, string clientId, DateTimeOffset at) =>
        new(id, registration.Name, registration.Kind, registration.Area, registration.OdsCode, clientId, at);
}
