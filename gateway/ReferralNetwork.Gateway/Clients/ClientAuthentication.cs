using Marten;
using ReferralNetwork.Gateway.Organisations;

namespace ReferralNetwork.Gateway.Clients;

/// <summary>Checks a client id and secret against the operator client and the registered organisations.</summary>
public sealed class ClientAuthentication(OperatorClient operatorClient, IQuerySession session)
{
    public async Task<TokenSubject?> AuthenticateAsync(string clientId, string secret, CancellationToken ct)
    {
        if (clientId == OperatorClient.ClientId)
        {
            return operatorClient.Accepts(secret) ? OperatorClient.Subject : null;
        }

        var credential = await session.LoadAsync<ClientCredential>(clientId, ct);
        if (credential is null || !ClientSecret.Matches(secret, credential.SecretHash))
        {
            return null;
        }

        // A suspended organisation gets no token (partner-api.md §10), answered like a wrong secret.
        var organisation = await session.LoadAsync<Organisation>(credential.OrganisationId, ct);
        return organisation is null || organisation.Suspended
            ? null
            : new TokenSubject(organisation.Id, organisation.Kind, organisation.Area, organisation.Name, clientId, organisation.CredentialGeneration);
    }
}
