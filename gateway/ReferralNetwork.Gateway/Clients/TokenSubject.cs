using ReferralNetwork.Contracts;

namespace ReferralNetwork.Gateway.Clients;

/// <summary>
/// The organisation a client authenticated as: what its tokens say about it, including the credential
/// generation the gateway checks each token against (see Tokens/TokenRevocation.cs).
/// </summary>
public sealed record TokenSubject(Guid OrganisationId, OrganisationKind Kind, string Area, string Name, string ClientId, int CredentialGeneration);
