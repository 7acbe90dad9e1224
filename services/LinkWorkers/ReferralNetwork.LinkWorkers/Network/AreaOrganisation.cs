using Marten;
using MassTransit;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.LinkWorkers.LinkWorkers;

namespace ReferralNetwork.LinkWorkers.Network;

/// <summary>An organisation of the network as this service knows it (from the gateway's registry events).</summary>
public sealed record AreaOrganisation(Guid Id, string Name, OrganisationKind Kind, string Area, DateTimeOffset RegisteredAt);

/// <summary>
/// The community directory as matching needs it, copied from the providers' listings. A listing older than the
/// copy (redelivered, or overtaken by a newer one) is ignored. Listings of one service handled at the same time
/// are kept apart by the copy's optimistic concurrency: the second to store finds the copy changed since it read
/// it (or created since it found none), fails, and message retry reads the copy again and decides afresh.
/// </summary>
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
