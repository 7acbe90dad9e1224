using ReferralNetwork.Contracts;

namespace ReferralNetwork.Gateway.Clients;

/// <summary>The organisation a client authenticated as: what its tokens say about it.</summary>
public sealed record TokenSubject(Guid OrganisationId, OrganisationKind Kind, string Area, string Name, string ClientId);
