using JasperFx.Events;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging;
using Published = ReferralNetwork.Contracts.Organisations;

namespace ReferralNetwork.Gateway.Organisations;

/// <summary>What the registry tells the other services (through the relay: the event log is the outbox).</summary>
public sealed class OrganisationEvents : IIntegrationEventMap
{
    public object? ToIntegrationEvent(IEvent @event) => @event.Data switch
    {
        OrganisationRegistered e => new Published.OrganisationRegistered(e.OrganisationId, e.Name, e.Kind, e.Area, e.At),
        _ => null,
    };
}
