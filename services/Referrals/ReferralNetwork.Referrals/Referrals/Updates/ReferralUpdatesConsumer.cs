using Marten;
using MassTransit;
using ReferralNetwork.Contracts;
using ReferralNetwork.Referrals.Reconciliation;
using FeedbackEvents = ReferralNetwork.Contracts.Feedback;
using LinkWorkerEvents = ReferralNetwork.Contracts.LinkWorkers;
using ProviderEvents = ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Messaging;

namespace ReferralNetwork.Referrals.Referrals.Updates;

/// <summary>
/// What the link-worker and provider services report about a referral, recorded on its stream so
/// the referrer sees each step (the two-way loop). Decided by <see cref="ReferralDecider"/>; a report
/// that is already reflected appends nothing. The inbox commits what is appended.
/// </summary>
public sealed class ReferralUpdatesConsumer(IDocumentSession session, TimeProvider clock, ILogger<ReferralUpdatesConsumer> logger) :
    IConsumer<LinkWorkerEvents.ReferralRouted>,
    IConsumer<LinkWorkerEvents.ReferralAccepted>,
    IConsumer<LinkWorkerEvents.ContactAttempted>,
    IConsumer<LinkWorkerEvents.OnwardReferralRequested>,
    IConsumer<LinkWorkerEvents.ReferralRejected>,
    IConsumer<LinkWorkerEvents.ReferralPutOnHold>,
    IConsumer<LinkWorkerEvents.ReferralResumed>,
    IConsumer<LinkWorkerEvents.ReferralClosed>,
    IConsumer<LinkWorkerEvents.OnwardReferralWithdrawn>,
    IConsumer<ProviderEvents.OnwardReferralAcknowledged>,
    IConsumer<ProviderEvents.OnwardReferralProgressed>,
    IConsumer<FeedbackEvents.OutcomeRecorded>
{
    private const string Unstated = "other";

    /// <summary>
    /// Also tells the reconciliation that the referral's area is served, should its registration have come before this
    /// service listened for registrations.
    /// </summary>
    public async Task Consume(ConsumeContext<LinkWorkerEvents.ReferralRouted> context)
    {
        var referral = await RecordAsync(context, context.Message.ReferralId, (r, m) =>
            ReferralDecider.Decide(r, new AssignLinkWorkerService(m.LinkWorkerServiceId, m.LinkWorkerServiceName, m.At)));
        if (referral is not null)
        {
            await ServedArea.LearnAsync(session, referral.Area, clock.GetUtcNow(), context.CancellationToken);
        }
    }

    public Task Consume(ConsumeContext<LinkWorkerEvents.ReferralAccepted> context) => RecordAsync(context, context.Message.ReferralId, (r, m) =>
        ReferralDecider.Decide(r, new AssignLinkWorker(LinkWorkerService(m.LinkWorkerServiceId), m.LinkWorkerId, m.LinkWorkerName, m.At)));

    public Task Consume(ConsumeContext<LinkWorkerEvents.ContactAttempted> context) => RecordAsync(context, context.Message.ReferralId, (r, m) =>
        ReferralDecider.Decide(r, new RecordContact(LinkWorkerService(m.LinkWorkerServiceId), m.Outcome, m.ContactedAt, m.At)));

    public Task Consume(ConsumeContext<LinkWorkerEvents.OnwardReferralRequested> context) => RecordAsync(context, context.Message.ReferralId, (r, m) =>
        ReferralDecider.Decide(r, new AddOnwardReferral(
            LinkWorkerService(m.LinkWorkerServiceId), m.OnwardReferralId, m.ServiceId, m.ServiceName, m.ProviderId, m.ProviderName, m.At)));

    public Task Consume(ConsumeContext<LinkWorkerEvents.ReferralRejected> context) => RecordAsync(context, context.Message.ReferralId, (r, m) =>
        ReferralDecider.Decide(r, new RejectReferral(LinkWorkerService(m.LinkWorkerServiceId), m.Reason, m.Note, m.At)));

    public Task Consume(ConsumeContext<LinkWorkerEvents.ReferralPutOnHold> context) => RecordAsync(context, context.Message.ReferralId, (r, m) =>
        ReferralDecider.Decide(r, new PutReferralOnHold(LinkWorkerService(m.LinkWorkerServiceId), m.Note, m.At)));

    public Task Consume(ConsumeContext<LinkWorkerEvents.ReferralResumed> context) => RecordAsync(context, context.Message.ReferralId, (r, m) =>
        ReferralDecider.Decide(r, new ResumeReferral(LinkWorkerService(m.LinkWorkerServiceId), m.At)));

    public Task Consume(ConsumeContext<LinkWorkerEvents.ReferralClosed> context) => RecordAsync(context, context.Message.ReferralId, (r, m) =>
        ReferralDecider.Decide(r, new CloseReferral(LinkWorkerService(m.LinkWorkerServiceId), m.Status, m.Outcome, m.Summary, m.At)));

    public Task Consume(ConsumeContext<LinkWorkerEvents.OnwardReferralWithdrawn> context) => RecordAsync(context, context.Message.ReferralId, (r, m) =>
        ReferralDecider.Decide(r, new CancelOnwardReferral(LinkWorkerService(m.LinkWorkerServiceId), m.OnwardReferralId, m.Reason, m.At)));

    public Task Consume(ConsumeContext<ProviderEvents.OnwardReferralAcknowledged> context) => RecordAsync(context, context.Message.ReferralId, (r, m) =>
        ReferralDecider.Decide(r, new MarkOnwardReferralReceived(Provider(m.ProviderId), m.OnwardReferralId, m.At)));

    /// <summary>Each provider step (or deadline step) becomes its own domain event, so the timeline names it.</summary>
    public Task Consume(ConsumeContext<ProviderEvents.OnwardReferralProgressed> context) => RecordAsync(context, context.Message.ReferralId, (r, m) =>
    {
        var by = Provider(m.ProviderId);
        return m.Step switch
        {
            ProviderEvents.OnwardReferralStep.Accepted => ReferralDecider.Decide(r, new AcceptOnwardReferral(by, m.OnwardReferralId, m.At)),
            ProviderEvents.OnwardReferralStep.Rejected => ReferralDecider.Decide(r, new RejectOnwardReferral(by, m.OnwardReferralId, m.Reason ?? Unstated, m.Note, m.At)),
            ProviderEvents.OnwardReferralStep.AttendanceRecorded => ReferralDecider.Decide(r, new RecordAttendance(
                by, m.OnwardReferralId,
                m.AttendanceDate ?? DateOnly.FromDateTime(m.At.UtcDateTime), m.Attended ?? throw new InvalidOperationException("An attendance step without attended."),
                m.At)),
            ProviderEvents.OnwardReferralStep.Completed => ReferralDecider.Decide(r, new CompleteOnwardReferral(by, m.OnwardReferralId, m.Note, m.At)),
            ProviderEvents.OnwardReferralStep.Failed => ReferralDecider.Decide(r, new FailOnwardReferral(by, m.OnwardReferralId, m.Reason ?? Unstated, m.At)),
            ProviderEvents.OnwardReferralStep.Reminded => ReferralDecider.Decide(r, new RemindAboutOnwardReferral(by, m.OnwardReferralId, m.At)),
            ProviderEvents.OnwardReferralStep.Escalated => ReferralDecider.Decide(r, new EscalateOnwardReferral(by, m.OnwardReferralId, m.At)),
            ProviderEvents.OnwardReferralStep.Cancelled => ReferralDecider.Decide(r, new CancelOnwardReferral(by, m.OnwardReferralId, m.Reason ?? "withdrawn", m.At)),
            _ => throw new InvalidOperationException($"Unknown onward referral step {m.Step}."),
        };
    });

    public Task Consume(ConsumeContext<FeedbackEvents.OutcomeRecorded> context) => RecordAsync(context, context.Message.ReferralId, (r, m) =>
        ReferralDecider.Decide(r, new RecordMeasure(m.OutcomeId, m.Instrument, m.Timepoint, m.Scores, m.At)));

    /// <summary>Appends what <paramref name="decide"/> makes of the message; returns the referral as it was, or null when this service does not hold it.</summary>
    private async Task<Referral?> RecordAsync<TMessage>(ConsumeContext<TMessage> context, Guid referralId, Func<Referral, TMessage, IReadOnlyList<object>> decide)
        where TMessage : class
    {
        var stream = await session.Events.FetchForWriting<Referral>(referralId, context.CancellationToken);
        if (stream.Aggregate is null)
        {
            // Not "not yet": other services learn a referral's id only from our relay, which publishes after
            // the stream is committed. So this referral was never ours (or was removed); retrying would only
            // hold up the one-at-a-time queue for every referral behind it.
            logger.LogWarning("Ignored {Message} for referral {ReferralId}, which this service does not hold.", typeof(TMessage).Name, referralId);
            return null;
        }

        stream.AppendMany(decide(stream.Aggregate, context.Message));
        return stream.Aggregate;
    }

    private static Actor LinkWorkerService(Guid id) => new(id, OrganisationKind.LinkWorkerService);

    private static Actor Provider(Guid id) => new(id, OrganisationKind.CommunityProvider);
}

/// <summary>
/// Every referral update on one queue, each publisher's stream in the order it was published
/// (<see cref="StreamOrder"/>): a case's reports in order, an onward referral's in order.
/// </summary>
public sealed class ReferralUpdatesConsumerDefinition : ConsumerDefinition<ReferralUpdatesConsumer>
{
    public ReferralUpdatesConsumerDefinition()
    {
        EndpointName = "referrals-referral-updates";
        ConcurrentMessageLimit = StreamOrder.Partitions;
    }
}
