using Marten;
using MassTransit;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.LinkWorkers.LinkWorkers;

namespace ReferralNetwork.LinkWorkers.Network;

/// <summary>An organisation of the network as this service knows it (from the gateway's registry events).</summary>
public sealed record AreaOrganisation(Guid Id, string Name, OrganisationKind Kind, string Area, DateTimeOffset RegisteredAt);

/// <summary>The community directory as matching needs it, copied from the providers' listings.</summary>
public sealed class CommunityServiceListedConsumer(IDocumentSession session) : IConsumer<CommunityServiceListed>
{
    public async Task Consume(ConsumeContext<CommunityServiceListed> context)
    {
        var m = context.Message;
        var existing = await session.LoadAsync<DirectoryListing>(m.ServiceId, context.CancellationToken);
        if (existing is not null && existing.UpdatedAt > m.At)
        {
            return; // an older listing overtaken by a newer one
        }

        session.Store(new DirectoryListing(m.ServiceId, m.ProviderId, m.ProviderName, m.Name, m.Categories, m.Area, m.ReferralMode,
            m.CapacityMaximum, m.CapacityAvailable, m.At, m.Description, m.Postcode, m.Schedule, m.Cost ?? "free", m.MinAge, m.MaxAge,
            m.Accessibility ?? [], m.Status ?? "active", m.Waitlist ?? "none", m.ConfirmedAt));
    }
}
