using Marten;
using MassTransit;
using ReferralNetwork.Contracts;
using ReferralNetwork.ServiceDefaults.Messaging;
using LinkWorkerEvents = ReferralNetwork.Contracts.LinkWorkers;
using ProviderEvents = ReferralNetwork.Contracts.CommunityProviders;

namespace ReferralNetwork.Referrals.Referrals.Updates;

/// <summary>
/// What the link-worker and provider services report about a referral, recorded on its stream so
/// the referrer sees each step (the two-way loop). Each report is handled once (inbox) and decided
/// by <see cref="ReferralDecider"/>; a report that is already reflected appends nothing.
/// </summary>
public abstract class ReferralUpdateConsumer<TMessage>(IDocumentSession session, TimeProvider clock)
    : IdempotentConsumer<TMessage>(session, clock)
    where TMessage : class
{
    protected abstract Guid ReferralIdOf(TMessage message);

    protected abstract IReadOnlyList<object> Decide(Referral referral, TMessage message);

    protected override async Task HandleAsync(TMessage message, CancellationToken ct)
    {
        var stream = await Session.Events.FetchForWriting<Referral>(ReferralIdOf(message), ct);
        if (stream.Aggregate is null)
        {
            throw new ReportedOutOfOrder($"{typeof(TMessage).Name} for a referral not stored yet");
        }

        stream.AppendMany(Decide(stream.Aggregate, message));
    }
}

public sealed class ReferralRoutedConsumer(IDocumentSession session, TimeProvider clock)
    : ReferralUpdateConsumer<LinkWorkerEvents.ReferralRouted>(session, clock)
{
    protected override Guid ReferralIdOf(LinkWorkerEvents.ReferralRouted m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, LinkWorkerEvents.ReferralRouted m) =>
        ReferralDecider.AssignLinkWorkerService(r, m.LinkWorkerServiceId, m.LinkWorkerServiceName, m.At);
}

public sealed class ReferralAcceptedConsumer(IDocumentSession session, TimeProvider clock)
    : ReferralUpdateConsumer<LinkWorkerEvents.ReferralAccepted>(session, clock)
{
    protected override Guid ReferralIdOf(LinkWorkerEvents.ReferralAccepted m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, LinkWorkerEvents.ReferralAccepted m) =>
        ReferralDecider.AssignLinkWorker(r, new Actor(m.LinkWorkerServiceId, OrganisationKind.LinkWorkerService), m.LinkWorkerId, m.LinkWorkerName, m.At);
}

public sealed class ContactAttemptedConsumer(IDocumentSession session, TimeProvider clock)
    : ReferralUpdateConsumer<LinkWorkerEvents.ContactAttempted>(session, clock)
{
    protected override Guid ReferralIdOf(LinkWorkerEvents.ContactAttempted m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, LinkWorkerEvents.ContactAttempted m) =>
        ReferralDecider.RecordContact(r, new Actor(m.LinkWorkerServiceId, OrganisationKind.LinkWorkerService), m.Outcome, m.ContactedAt, m.At);
}

public sealed class OnwardReferralRequestedConsumer(IDocumentSession session, TimeProvider clock)
    : ReferralUpdateConsumer<LinkWorkerEvents.OnwardReferralRequested>(session, clock)
{
    protected override Guid ReferralIdOf(LinkWorkerEvents.OnwardReferralRequested m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, LinkWorkerEvents.OnwardReferralRequested m) =>
        ReferralDecider.AddOnwardReferral(r, new Actor(m.LinkWorkerServiceId, OrganisationKind.LinkWorkerService),
            m.OnwardReferralId, m.ServiceId, m.ServiceName, m.ProviderId, m.ProviderName, m.At);
}

public sealed class OnwardReferralAcknowledgedConsumer(IDocumentSession session, TimeProvider clock)
    : ReferralUpdateConsumer<ProviderEvents.OnwardReferralAcknowledged>(session, clock)
{
    protected override Guid ReferralIdOf(ProviderEvents.OnwardReferralAcknowledged m) => m.ReferralId;

    protected override IReadOnlyList<object> Decide(Referral r, ProviderEvents.OnwardReferralAcknowledged m) =>
        ReferralDecider.MarkOnwardReferralReceived(r, new Actor(m.ProviderId, OrganisationKind.CommunityProvider), m.OnwardReferralId, m.At);
}

/// <summary>All referral updates share one queue, so reports from one service are recorded in the order it published them.</summary>
public sealed class ReferralUpdateDefinition<TConsumer>() : OneAtATimeDefinition<TConsumer>("referrals-referral-updates")
    where TConsumer : class, IConsumer;
