namespace ReferralNetwork.Gateway.Clients;

/// <summary>
/// What the token endpoint checks a registered organisation's client against. Kept as its own
/// document, keyed by client id, so the secret's hash never enters the event log (which is
/// published and kept for ever).
/// </summary>
public sealed record ClientCredential(string Id, Guid OrganisationId, string SecretHash, DateTimeOffset IssuedAt);
