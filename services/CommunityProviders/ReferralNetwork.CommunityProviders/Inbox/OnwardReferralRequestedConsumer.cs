using Marten;
using MassTransit;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.ServiceDefaults.Messaging;

namespace ReferralNetwork.CommunityProviders.Inbox;

/// <summary>A link worker referred someone to one of our providers' services: it lands in that provider's inbox.</summary>
public sealed class OnwardReferralRequestedConsumer(IDocumentSession session, TimeProvider clock)
    : IdempotentConsumer<OnwardReferralRequested>(session, clock)
{
    protected override async Task HandleAsync(OnwardReferralRequested m, CancellationToken ct)
    {
        if (await Session.Events.FetchStreamStateAsync(m.OnwardReferralId, ct) is not null)
        {
            return;
        }

        Session.Events.StartStream<ProviderReferral>(m.OnwardReferralId, new OnwardReferralArrived(
            m.OnwardReferralId, m.ReferralId, m.ProviderId, m.ServiceId, m.ServiceName, m.LinkWorkerServiceId, m.Needs, m.Note, m.Person, m.At));
    }
}

/// <summary>The link-worker side withdrew an onward referral (or the referral was cancelled): an open one is cancelled.</summary>
public sealed class OnwardReferralWithdrawnConsumer(IDocumentSession session, TimeProvider clock)
    : IdempotentConsumer<OnwardReferralWithdrawn>(session, clock)
{
    protected override async Task HandleAsync(OnwardReferralWithdrawn m, CancellationToken ct)
    {
        var stream = await Session.Events.FetchForWriting<ProviderReferral>(m.OnwardReferralId, ct);
        if (stream.Aggregate is not { } current)
        {
            throw new WithdrawnBeforeArrival(m.OnwardReferralId);
        }

        var events = ProviderReferralDecider.Cancel(current, m.Reason, m.At);
        stream.AppendMany(events);
        // A withdrawn onward referral that held a place gives it back, like a completion.
        await ServicePlaces.FollowAsync(Session, current, events, ct);
    }
}

/// <summary>
/// Arrivals and withdrawals share one queue taken one at a time, so a withdrawal published after the
/// request is handled after its arrival.
/// </summary>
public sealed class InboxDefinition<TConsumer>() : OneAtATimeDefinition<TConsumer>("communityproviders-inbox")
    where TConsumer : class, IConsumer;

/// <summary>
/// A withdrawal for an onward referral not stored yet (its request was still in flight or retrying).
/// Thrown so message retry tries again shortly.
/// </summary>
public sealed class WithdrawnBeforeArrival(Guid onwardReferralId) : Exception($"Out of order: withdrawal of onward referral {onwardReferralId} before its arrival.");
