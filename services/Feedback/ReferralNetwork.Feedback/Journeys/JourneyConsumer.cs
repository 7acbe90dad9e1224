using Marten;
using MassTransit;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.Messaging;

namespace ReferralNetwork.Feedback.Journeys;

/// <summary>
/// Records each integration event about a referral on its journey stream (the commissioner's reports
/// read the journeys). The inbox commits what is appended.
/// </summary>
public sealed class JourneyConsumer(IDocumentSession session) :
    IConsumer<ReferralRequested>,
    IConsumer<ReferralCancelled>,
    IConsumer<ReferralRouted>,
    IConsumer<ReferralAccepted>,
    IConsumer<ContactAttempted>,
    IConsumer<ReferralRejected>,
    IConsumer<ReferralPutOnHold>,
    IConsumer<ReferralResumed>,
    IConsumer<ReferralClosed>,
    IConsumer<OnwardReferralRequested>,
    IConsumer<OnwardReferralWithdrawn>,
    IConsumer<OnwardReferralAcknowledged>,
    IConsumer<OnwardReferralProgressed>
{
    // The person's details stay behind: a journey needs only the route, the area and the time.
    public Task Consume(ConsumeContext<ReferralRequested> context) => RecordAsync(context, m =>
        (m.ReferralId, new JourneyRequested(m.ReferralId, m.Pathway, m.Area, m.ReferrerId, m.ReferrerKind, m.At) { ShareWithReferrer = m.ShareWithReferrer }));

    public Task Consume(ConsumeContext<ReferralCancelled> context) => RecordAsync(context, m => (m.ReferralId, new JourneyCancelled(m.ReferralId, m.Reason, m.At)));

    public Task Consume(ConsumeContext<ReferralRouted> context) => RecordAsync(context, m => (m.ReferralId, new JourneyRouted(m.ReferralId, m.LinkWorkerServiceId, m.At)));

    public Task Consume(ConsumeContext<ReferralAccepted> context) => RecordAsync(context, m =>
        (m.ReferralId, new JourneyAccepted(m.ReferralId, m.LinkWorkerServiceId, m.LinkWorkerId, m.LinkWorkerName, m.At)));

    public Task Consume(ConsumeContext<ContactAttempted> context) => RecordAsync(context, m =>
        (m.ReferralId, new JourneyContactAttempted(m.ReferralId, m.Outcome, m.ContactedAt, m.At)));

    public Task Consume(ConsumeContext<ReferralRejected> context) => RecordAsync(context, m => (m.ReferralId, new JourneyRejected(m.ReferralId, m.Reason, m.At)));

    public Task Consume(ConsumeContext<ReferralPutOnHold> context) => RecordAsync(context, m => (m.ReferralId, new JourneyPutOnHold(m.ReferralId, m.At)));

    public Task Consume(ConsumeContext<ReferralResumed> context) => RecordAsync(context, m => (m.ReferralId, new JourneyResumed(m.ReferralId, m.At)));

    // The closing summary is free text about the person: not kept.
    public Task Consume(ConsumeContext<ReferralClosed> context) => RecordAsync(context, m => (m.ReferralId, new JourneyClosed(m.ReferralId, m.Status, m.Outcome, m.At)));

    public Task Consume(ConsumeContext<OnwardReferralRequested> context) => RecordAsync(context, m =>
        (m.ReferralId, new OnwardRequested(m.OnwardReferralId, m.ReferralId, m.ServiceId, m.ProviderId, m.At)));

    public Task Consume(ConsumeContext<OnwardReferralWithdrawn> context) => RecordAsync(context, m =>
        (m.ReferralId, new OnwardWithdrawn(m.OnwardReferralId, m.ReferralId, m.ProviderId, m.Reason, m.At)));

    public Task Consume(ConsumeContext<OnwardReferralAcknowledged> context) => RecordAsync(context, m =>
        (m.ReferralId, new OnwardAcknowledged(m.OnwardReferralId, m.ReferralId, m.ProviderId, m.At)));

    public Task Consume(ConsumeContext<OnwardReferralProgressed> context) => RecordAsync(context, m =>
        (m.ReferralId, new OnwardProgressed(m.OnwardReferralId, m.ReferralId, m.ProviderId, m.Step, m.Status, m.Reason, m.At)));

    private async Task RecordAsync<TMessage>(ConsumeContext<TMessage> context, Func<TMessage, (Guid ReferralId, object Event)> toJourneyEvent)
        where TMessage : class
    {
        var (referralId, recorded) = toJourneyEvent(context.Message);
        var stream = await session.Events.FetchForWriting<ReferralJourney>(JourneyIds.For(referralId), context.CancellationToken);
        stream.AppendOne(recorded);
    }
}

/// <summary>
/// Every report about a referral appends to its one journey stream, so they share one queue: each
/// publisher's stream in order (<see cref="StreamOrder"/>); reports from different streams about one
/// referral may meet on its journey, and the loser's version conflict is retried.
/// </summary>
public sealed class JourneyConsumerDefinition : ConsumerDefinition<JourneyConsumer>
{
    public JourneyConsumerDefinition()
    {
        EndpointName = "feedback-referral-journeys";
        ConcurrentMessageLimit = StreamOrder.Partitions;
    }
}
