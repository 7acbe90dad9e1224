using JasperFx.Events;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging;
using Published = ReferralNetwork.Contracts.LinkWorkers;

namespace ReferralNetwork.LinkWorkers.Cases;

/// <summary>What the link-worker service tells the rest of the network about its cases.</summary>
public sealed class CaseEvents : IIntegrationEventMap
{
    public object? ToIntegrationEvent(IEvent @event) => @event.Data switch
    {
        CaseOpened e => new Published.ReferralRouted(e.ReferralId, e.LinkWorkerServiceId, e.LinkWorkerServiceName, e.At),
        CaseAccepted e => new Published.ReferralAccepted(e.ReferralId, e.LinkWorkerServiceId, e.LinkWorkerId, e.LinkWorkerName, e.At),
        ContactRecorded e => new Published.ContactAttempted(e.ReferralId, e.LinkWorkerServiceId, e.Outcome, e.ContactedAt, e.At),
        OnwardReferralMade e => new Published.OnwardReferralRequested(
            e.OnwardReferralId, e.ReferralId, e.LinkWorkerServiceId, e.ServiceId, e.ServiceName, e.ProviderId, e.ProviderName, e.Needs, e.Note, e.Person, e.At),
        CaseRejected e => new Published.ReferralRejected(e.ReferralId, e.LinkWorkerServiceId, e.Reason.ToWire(), e.Note, e.At),
        CasePutOnHold e => new Published.ReferralPutOnHold(e.ReferralId, e.LinkWorkerServiceId, e.Note, e.At),
        CaseResumed e => new Published.ReferralResumed(e.ReferralId, e.LinkWorkerServiceId, e.At),
        CaseClosed e => new Published.ReferralClosed(e.ReferralId, e.LinkWorkerServiceId, e.Status, e.Outcome.ToWire(), e.Summary, e.At),
        CaseOnwardReferralWithdrawn e => new Published.OnwardReferralWithdrawn(e.OnwardReferralId, e.ReferralId, e.LinkWorkerServiceId, e.ProviderId, e.Reason, e.At),
        // CaseCancelled came from the referral service, and the mirrored provider reports from the provider service: they know already.
        _ => null,
    };
}
