using Marten;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Contracts.Organisations;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.ServiceDefaults.Messaging;

namespace ReferralNetwork.LinkWorkers.Network;

/// <summary>An organisation of the network as this service knows it (from the gateway's registry events).</summary>
public sealed record AreaOrganisation(Guid Id, string Name, OrganisationKind Kind, string Area, DateTimeOffset RegisteredAt);

public sealed class OrganisationRegisteredConsumer(IDocumentSession session, TimeProvider clock, CaseRouting routing)
    : IdempotentConsumer<OrganisationRegistered>(session, clock)
{
    protected override async Task HandleAsync(OrganisationRegistered message, CancellationToken ct)
    {
        var organisation = new AreaOrganisation(message.OrganisationId, message.Name, message.Kind, message.Area, message.At);
        Session.Store(organisation);
        if (organisation.Kind == OrganisationKind.LinkWorkerService)
        {
            // Referrals that arrived before their area had a link-worker service go to it now.
            await routing.RouteWaitingAsync(Session, organisation, ct);
        }
    }
}

public sealed class CommunityServiceListedConsumer(IDocumentSession session, TimeProvider clock)
    : IdempotentConsumer<CommunityServiceListed>(session, clock)
{
    protected override async Task HandleAsync(CommunityServiceListed m, CancellationToken ct)
    {
        var existing = await Session.LoadAsync<DirectoryListing>(m.ServiceId, ct);
        if (existing is not null && existing.UpdatedAt > m.At)
        {
            return; // an older listing overtaken by a newer one
        }

        Session.Store(new DirectoryListing(m.ServiceId, m.ProviderId, m.ProviderName, m.Name, m.Categories, m.Area, m.ReferralMode,
            m.CapacityMaximum, m.CapacityAvailable, m.At, m.Description, m.Postcode, m.Schedule, m.Cost ?? "free", m.MinAge, m.MaxAge,
            m.Accessibility ?? [], m.Status ?? "active", m.Waitlist ?? "none", m.ConfirmedAt));
    }
}
