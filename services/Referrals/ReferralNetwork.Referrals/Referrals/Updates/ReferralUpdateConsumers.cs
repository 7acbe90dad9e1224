using Marten;
using MassTransit;
using Microsoft.Extensions.Logging;
using ReferralNetwork.Contracts;
using ReferralNetwork.ServiceDefaults.Messaging;
using FeedbackEvents = ReferralNetwork.Contracts.Feedback;
using LinkWorkerEvents = ReferralNetwork.Contracts.LinkWorkers;
using ProviderEvents = ReferralNetwork.Contracts.CommunityProviders;

namespace ReferralNetwork.Referrals.Referrals.Updates;

/// <summary>
/// What the link-worker and provider services report about a referral, recorded on its stream so
/// the referrer sees each step (the two-way loop). Each report is handled once (inbox) and decided
/// by <see cref="ReferralDecider"/>; a report that is already reflected appends nothing.
/// </summary>
public abstract class ReferralUpdateConsumer<TMessage>(IDocumentSession session, TimeProvider clock, ILogger logger)
    : IdempotentConsumer<TMessage>(session, clock)
    where TMessage : class
{
    protected abstract Guid ReferralIdOf(TMessage message);

    protected abstract IReadOnlyList<object> Decide(Referral referral, TMessage message);

    protected override async Task HandleAsync(TMessage message, CancellationToken ct)
    {
        var referralId = ReferralIdOf(message);
        var stream = await Session.Events.FetchForWriting<Referral>(referralId, ct);
        if (stream.Aggregate is null)
        {
            // Not "not yet": other services learn a referral's id only from our relay, which publishes after
            // the stream is committed. So this referral was never ours (or was removed); retrying would only
            // hold up the one-at-a-time queue for every referral behind it.
            logger.LogWarning("Ignored {Message} for referral {ReferralId}, which this service does not hold.", typeof(TMessage).Name, referralId);
            return;
        }

        stream.AppendMany(Decide(stream.Aggregate, message));
    }

    protected static Actor LinkWorkerService(Guid id) => new(id, OrganisationKind.LinkWorkerService);
}

public sealed class ReferralRoutedConsumer(IDocumentSession session, TimeProvider clock, ILogger<ReferralRoutedConsumer> logger)
    : ReferralUpdateConsumer<LinkWorkerEvents.ReferralRouted>(session, clock, logger)
{
    protected override Guid ReferralIdOf(LinkWorkerEvents.ReferralRouted m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, LinkWorkerEvents.ReferralRouted m) =>
        ReferralDecider.AssignLinkWorkerService(r, m.LinkWorkerServiceId, m.LinkWorkerServiceName, m.At);
}

public sealed class ReferralAcceptedConsumer(IDocumentSession session, TimeProvider clock, ILogger<ReferralAcceptedConsumer> logger)
    : ReferralUpdateConsumer<LinkWorkerEvents.ReferralAccepted>(session, clock, logger)
{
    protected override Guid ReferralIdOf(LinkWorkerEvents.ReferralAccepted m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, LinkWorkerEvents.ReferralAccepted m) =>
        ReferralDecider.AssignLinkWorker(r, new Actor(m.LinkWorkerServiceId, OrganisationKind.LinkWorkerService), m.LinkWorkerId, m.LinkWorkerName, m.At);
}

public sealed class ContactAttemptedConsumer(IDocumentSession session, TimeProvider clock, ILogger<ContactAttemptedConsumer> logger)
    : ReferralUpdateConsumer<LinkWorkerEvents.ContactAttempted>(session, clock, logger)
{
    protected override Guid ReferralIdOf(LinkWorkerEvents.ContactAttempted m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, LinkWorkerEvents.ContactAttempted m) =>
        ReferralDecider.RecordContact(r, new Actor(m.LinkWorkerServiceId, OrganisationKind.LinkWorkerService), m.Outcome, m.ContactedAt, m.At);
}

public sealed class OnwardReferralRequestedConsumer(IDocumentSession session, TimeProvider clock, ILogger<OnwardReferralRequestedConsumer> logger)
    : ReferralUpdateConsumer<LinkWorkerEvents.OnwardReferralRequested>(session, clock, logger)
{
    protected override Guid ReferralIdOf(LinkWorkerEvents.OnwardReferralRequested m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, LinkWorkerEvents.OnwardReferralRequested m) =>
        ReferralDecider.AddOnwardReferral(r, new Actor(m.LinkWorkerServiceId, OrganisationKind.LinkWorkerService),
            m.OnwardReferralId, m.ServiceId, m.ServiceName, m.ProviderId, m.ProviderName, m.At);
}

public sealed class OnwardReferralAcknowledgedConsumer(IDocumentSession session, TimeProvider clock, ILogger<OnwardReferralAcknowledgedConsumer> logger)
    : ReferralUpdateConsumer<ProviderEvents.OnwardReferralAcknowledged>(session, clock, logger)
{
    protected override Guid ReferralIdOf(ProviderEvents.OnwardReferralAcknowledged m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, ProviderEvents.OnwardReferralAcknowledged m) =>
        ReferralDecider.MarkOnwardReferralReceived(r, new Actor(m.ProviderId, OrganisationKind.CommunityProvider), m.OnwardReferralId, m.At);
}

public sealed class ReferralRejectedConsumer(IDocumentSession session, TimeProvider clock, ILogger<ReferralRejectedConsumer> logger)
    : ReferralUpdateConsumer<LinkWorkerEvents.ReferralRejected>(session, clock, logger)
{
    protected override Guid ReferralIdOf(LinkWorkerEvents.ReferralRejected m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, LinkWorkerEvents.ReferralRejected m) =>
        ReferralDecider.Reject(r, LinkWorkerService(m.LinkWorkerServiceId), m.Reason, m.Note, m.At);
}

public sealed class ReferralPutOnHoldConsumer(IDocumentSession session, TimeProvider clock, ILogger<ReferralPutOnHoldConsumer> logger)
    : ReferralUpdateConsumer<LinkWorkerEvents.ReferralPutOnHold>(session, clock, logger)
{
    protected override Guid ReferralIdOf(LinkWorkerEvents.ReferralPutOnHold m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, LinkWorkerEvents.ReferralPutOnHold m) =>
        ReferralDecider.PutOnHold(r, LinkWorkerService(m.LinkWorkerServiceId), m.Note, m.At);
}

public sealed class ReferralResumedConsumer(IDocumentSession session, TimeProvider clock, ILogger<ReferralResumedConsumer> logger)
    : ReferralUpdateConsumer<LinkWorkerEvents.ReferralResumed>(session, clock, logger)
{
    protected override Guid ReferralIdOf(LinkWorkerEvents.ReferralResumed m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, LinkWorkerEvents.ReferralResumed m) =>
        ReferralDecider.Resume(r, LinkWorkerService(m.LinkWorkerServiceId), m.At);
}

public sealed class ReferralClosedConsumer(IDocumentSession session, TimeProvider clock, ILogger<ReferralClosedConsumer> logger)
    : ReferralUpdateConsumer<LinkWorkerEvents.ReferralClosed>(session, clock, logger)
{
    protected override Guid ReferralIdOf(LinkWorkerEvents.ReferralClosed m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, LinkWorkerEvents.ReferralClosed m) =>
        ReferralDecider.Close(r, LinkWorkerService(m.LinkWorkerServiceId), m.Status, m.Outcome, m.Summary, m.At);
}

public sealed class OnwardReferralWithdrawnConsumer(IDocumentSession session, TimeProvider clock, ILogger<OnwardReferralWithdrawnConsumer> logger)
    : ReferralUpdateConsumer<LinkWorkerEvents.OnwardReferralWithdrawn>(session, clock, logger)
{
    protected override Guid ReferralIdOf(LinkWorkerEvents.OnwardReferralWithdrawn m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, LinkWorkerEvents.OnwardReferralWithdrawn m) =>
        ReferralDecider.CancelOnwardReferral(r, LinkWorkerService(m.LinkWorkerServiceId), m.OnwardReferralId, m.Reason, m.At);
}

/// <summary>Each provider step (or deadline step) becomes its own domain event, so the timeline names it.</summary>
public sealed class OnwardReferralProgressedConsumer(IDocumentSession session, TimeProvider clock, ILogger<OnwardReferralProgressedConsumer> logger)
    : ReferralUpdateConsumer<ProviderEvents.OnwardReferralProgressed>(session, clock, logger)
{
    private const string Unstated = "other";

    protected override Guid ReferralIdOf(ProviderEvents.OnwardReferralProgressed m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, ProviderEvents.OnwardReferralProgressed m)
    {
        var by = new Actor(m.ProviderId, OrganisationKind.CommunityProvider);
        return m.Step switch
        {
            ProviderEvents.OnwardReferralStep.Accepted => ReferralDecider.AcceptOnwardReferral(r, by, m.OnwardReferralId, m.At),
            ProviderEvents.OnwardReferralStep.Rejected => ReferralDecider.RejectOnwardReferral(r, by, m.OnwardReferralId, m.Reason ?? Unstated, m.Note, m.At),
            ProviderEvents.OnwardReferralStep.AttendanceRecorded => ReferralDecider.RecordAttendance(
                r, by, m.OnwardReferralId,
                m.AttendanceDate ?? DateOnly.FromDateTime(m.At.UtcDateTime), m.Attended ?? throw new InvalidOperationException("An attendance step without attended."),
                m.At),
            ProviderEvents.OnwardReferralStep.Completed => ReferralDecider.CompleteOnwardReferral(r, by, m.OnwardReferralId, m.Note, m.At),
            ProviderEvents.OnwardReferralStep.Failed => ReferralDecider.FailOnwardReferral(r, by, m.OnwardReferralId, m.Reason ?? Unstated, m.At),
            ProviderEvents.OnwardReferralStep.Reminded => ReferralDecider.RemindAboutOnwardReferral(r, by, m.OnwardReferralId, m.At),
            ProviderEvents.OnwardReferralStep.Escalated => ReferralDecider.EscalateOnwardReferral(r, by, m.OnwardReferralId, m.At),
            ProviderEvents.OnwardReferralStep.Cancelled => ReferralDecider.CancelOnwardReferral(r, by, m.OnwardReferralId, m.Reason ?? "withdrawn", m.At),
            _ => throw new InvalidOperationException($"Unknown onward referral step {m.Step}."),
        };
    }
}

public sealed class OutcomeRecordedConsumer(IDocumentSession session, TimeProvider clock, ILogger<OutcomeRecordedConsumer> logger)
    : ReferralUpdateConsumer<FeedbackEvents.OutcomeRecorded>(session, clock, logger)
{
    protected override Guid ReferralIdOf(FeedbackEvents.OutcomeRecorded m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, FeedbackEvents.OutcomeRecorded m) =>
        ReferralDecider.RecordMeasure(r, m.OutcomeId, m.Instrument, m.Timepoint, m.Scores, m.At);
}

/// <summary>All referral updates share one queue, so reports from one service are recorded in the order it published them.</summary>
public sealed class ReferralUpdateDefinition<TConsumer>() : OneAtATimeDefinition<TConsumer>("referrals-referral-updates")
    where TConsumer : class, IConsumer;
