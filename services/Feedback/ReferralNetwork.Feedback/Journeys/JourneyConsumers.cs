using Marten;
using MassTransit;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.ServiceDefaults.Messaging;

namespace ReferralNetwork.Feedback.Journeys;

/// <summary>Every report about a referral appends to its one journey stream, so they share one queue taken one at a time.</summary>
public sealed class JourneyDefinition<TConsumer>() : OneAtATimeDefinition<TConsumer>("feedback-referral-journeys")
    where TConsumer : class, IConsumer;

/// <summary>Records an integration event about a referral on its journey stream.</summary>
public abstract class JourneyConsumer<TMessage>(IDocumentSession session, TimeProvider clock) : IdempotentConsumer<TMessage>(session, clock)
    where TMessage : class
{
    protected abstract (Guid ReferralId, object Event) ToJourneyEvent(TMessage message);

    protected override async Task HandleAsync(TMessage message, CancellationToken ct)
    {
        var (referralId, recorded) = ToJourneyEvent(message);
        var stream = await Session.Events.FetchForWriting<ReferralJourney>(JourneyIds.For(referralId), ct);
        stream.AppendOne(recorded);
    }
}

public sealed class ReferralRequestedConsumer(IDocumentSession session, TimeProvider clock) : JourneyConsumer<ReferralRequested>(session, clock)
{
    // The person's details stay behind: a journey needs only the route, the area and the time.
    protected override (Guid, object) ToJourneyEvent(ReferralRequested m) =>
        (m.ReferralId, new JourneyRequested(m.ReferralId, m.Pathway, m.Area, m.ReferrerId, m.ReferrerKind, m.At));
}

public sealed class ReferralCancelledConsumer(IDocumentSession session, TimeProvider clock) : JourneyConsumer<ReferralCancelled>(session, clock)
{
    protected override (Guid, object) ToJourneyEvent(ReferralCancelled m) => (m.ReferralId, new JourneyCancelled(m.ReferralId, m.Reason, m.At));
}

public sealed class ReferralRoutedConsumer(IDocumentSession session, TimeProvider clock) : JourneyConsumer<ReferralRouted>(session, clock)
{
    protected override (Guid, object) ToJourneyEvent(ReferralRouted m) => (m.ReferralId, new JourneyRouted(m.ReferralId, m.LinkWorkerServiceId, m.At));
}

public sealed class ReferralAcceptedConsumer(IDocumentSession session, TimeProvider clock) : JourneyConsumer<ReferralAccepted>(session, clock)
{
    protected override (Guid, object) ToJourneyEvent(ReferralAccepted m) =>
        (m.ReferralId, new JourneyAccepted(m.ReferralId, m.LinkWorkerServiceId, m.LinkWorkerId, m.LinkWorkerName, m.At));
}

public sealed class ContactAttemptedConsumer(IDocumentSession session, TimeProvider clock) : JourneyConsumer<ContactAttempted>(session, clock)
{
    protected override (Guid, object) ToJourneyEvent(ContactAttempted m) =>
        (m.ReferralId, new JourneyContactAttempted(m.ReferralId, m.Outcome, m.ContactedAt, m.At));
}

public sealed class ReferralRejectedConsumer(IDocumentSession session, TimeProvider clock) : JourneyConsumer<ReferralRejected>(session, clock)
{
    protected override (Guid, object) ToJourneyEvent(ReferralRejected m) => (m.ReferralId, new JourneyRejected(m.ReferralId, m.Reason, m.At));
}

public sealed class ReferralPutOnHoldConsumer(IDocumentSession session, TimeProvider clock) : JourneyConsumer<ReferralPutOnHold>(session, clock)
{
    protected override (Guid, object) ToJourneyEvent(ReferralPutOnHold m) => (m.ReferralId, new JourneyPutOnHold(m.ReferralId, m.At));
}

public sealed class ReferralResumedConsumer(IDocumentSession session, TimeProvider clock) : JourneyConsumer<ReferralResumed>(session, clock)
{
    protected override (Guid, object) ToJourneyEvent(ReferralResumed m) => (m.ReferralId, new JourneyResumed(m.ReferralId, m.At));
}

public sealed class ReferralClosedConsumer(IDocumentSession session, TimeProvider clock) : JourneyConsumer<ReferralClosed>(session, clock)
{
    // The closing summary is free text about the person: not kept.
    protected override (Guid, object) ToJourneyEvent(ReferralClosed m) => (m.ReferralId, new JourneyClosed(m.ReferralId, m.Status, m.Outcome, m.At));
}

public sealed class OnwardReferralRequestedConsumer(IDocumentSession session, TimeProvider clock) : JourneyConsumer<OnwardReferralRequested>(session, clock)
{
    protected override (Guid, object) ToJourneyEvent(OnwardReferralRequested m) =>
        (m.ReferralId, new OnwardRequested(m.OnwardReferralId, m.ReferralId, m.ServiceId, m.ProviderId, m.At));
}

public sealed class OnwardReferralWithdrawnConsumer(IDocumentSession session, TimeProvider clock) : JourneyConsumer<OnwardReferralWithdrawn>(session, clock)
{
    protected override (Guid, object) ToJourneyEvent(OnwardReferralWithdrawn m) =>
        (m.ReferralId, new OnwardWithdrawn(m.OnwardReferralId, m.ReferralId, m.ProviderId, m.Reason, m.At));
}

public sealed class OnwardReferralAcknowledgedConsumer(IDocumentSession session, TimeProvider clock) : JourneyConsumer<OnwardReferralAcknowledged>(session, clock)
{
    protected override (Guid, object) ToJourneyEvent(OnwardReferralAcknowledged m) =>
        (m.ReferralId, new OnwardAcknowledged(m.OnwardReferralId, m.ReferralId, m.ProviderId, m.At));
}

public sealed class OnwardReferralProgressedConsumer(IDocumentSession session, TimeProvider clock) : JourneyConsumer<OnwardReferralProgressed>(session, clock)
{
    protected override (Guid, object) ToJourneyEvent(OnwardReferralProgressed m) =>
        (m.ReferralId, new OnwardProgressed(m.OnwardReferralId, m.ReferralId, m.ProviderId, m.Step, m.Status, m.Reason, m.At));
}
