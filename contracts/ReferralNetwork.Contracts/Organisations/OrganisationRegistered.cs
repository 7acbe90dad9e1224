namespace ReferralNetwork.Contracts.Organisations;

/// <summary>The operator registered a partner organisation with the gateway.</summary>
public sealed record OrganisationRegistered(Guid OrganisationId, string Name, OrganisationKind Kind, string Area, DateTimeOffset At);
