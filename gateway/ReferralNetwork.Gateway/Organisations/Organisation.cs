using ReferralNetwork.Contracts;

namespace ReferralNetwork.Gateway.Organisations;

/// <summary>The operator registered a partner organisation. The client secret is deliberately absent.</summary>
public sealed record OrganisationRegistered(
    Guid OrganisationId, string Name, OrganisationKind Kind, string Area, string? OdsCode, string ClientId, DateTimeOffset At);

/// <summary>The operator issued the organisation a new client secret (the secret itself is never in an event).</summary>
public sealed record ClientSecretRotated(Guid OrganisationId, DateTimeOffset At);

/// <summary>The operator suspended the organisation (partner-api.md §10): no tokens, and those it holds stop working.</summary>
public sealed record OrganisationSuspended(Guid OrganisationId, DateTimeOffset At);

/// <summary>The operator reinstated a suspended organisation: it may sign in again (its old tokens stay dead).</summary>
public sealed record OrganisationReinstated(Guid OrganisationId, DateTimeOffset At);

/// <summary>
/// A partner organisation as the registry knows it, evolved from its events (an inline snapshot,
/// so it can be loaded and listed as a document). Marten 9 needs Create/Apply to be public.
/// </summary>
public sealed record Organisation(
    Guid Id, string Name, OrganisationKind Kind, string Area, string? OdsCode, string ClientId, DateTimeOffset RegisteredAt, DateTimeOffset SecretIssuedAt,
    bool Suspended = false, int CredentialGeneration = 0)
{
    public static Organisation Create(OrganisationRegistered e) =>
        new(e.OrganisationId, e.Name, e.Kind, e.Area, e.OdsCode, e.ClientId, e.At, e.At);

    // Tokens carry the generation they were issued under; the gateway refuses any other, so each
    // rotation and suspension ends every token issued before it.
    public Organisation Apply(ClientSecretRotated e) => this with { SecretIssuedAt = e.At, CredentialGeneration = CredentialGeneration + 1 };

    public Organisation Apply(OrganisationSuspended e) => this with { Suspended = true, CredentialGeneration = CredentialGeneration + 1 };

    // No new generation: no token was issued while suspended, and the ones from before stay ended.
    public Organisation Apply(OrganisationReinstated e) => this with { Suspended = false };

    /// <summary>Deciding a suspension; suspending a suspended organisation changes nothing.</summary>
    public IReadOnlyList<object> Suspend(DateTimeOffset now) => Suspended ? [] : [new OrganisationSuspended(Id, now)];

    /// <summary>Deciding a reinstatement; reinstating an active organisation changes nothing.</summary>
    public IReadOnlyList<object> Reinstate(DateTimeOffset now) => Suspended ? [new OrganisationReinstated(Id, now)] : [];

    /// <summary>Deciding a registration: a valid request becomes the event that starts the organisation's stream.</summary>
    public static OrganisationRegistered Register(ValidRegistration registration, Guid id, string clientId, DateTimeOffset at) =>
        new(id, registration.Name, registration.Kind, registration.Area, registration.OdsCode, clientId, at);
}
