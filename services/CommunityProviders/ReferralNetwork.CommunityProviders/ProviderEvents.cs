using JasperFx.Events;
using ReferralNetwork.Contracts;
using ReferralNetwork.CommunityProviders.Directory;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.ServiceDefaults.EventStore;
using Published = ReferralNetwork.Contracts.CommunityProviders;

namespace ReferralNetwork.CommunityProviders;

/// <summary>What the community-provider service tells the rest of the network.</summary>
public sealed class ProviderEvents : IIntegrationEventMap
{
    public object? ToIntegrationEvent(IEvent @event) => @event.Data switch
    {
        ServiceListed e => new Published.CommunityServiceListed(
            e.ServiceId, e.ProviderId, e.ProviderName, e.Details.Name, e.Details.Categories, e.Details.Area, e.Details.ReferralMode.ToWire(),
            e.Details.Capacity.Maximum, e.Details.Capacity.Available, e.At),
        OnwardReferralAcknowledged e => new Published.OnwardReferralAcknowledged(e.OnwardReferralId, e.ReferralId, e.ProviderId, e.At),
        _ => null,
    };
}
