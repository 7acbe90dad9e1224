using Marten;
using MassTransit;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging;

namespace ReferralNetwork.CommunityProviders.Inbox;

/// <summary>
/// Onward referrals arriving in a provider's inbox and their withdrawals. The inbox commits what is
/// appended.
/// </summary>
public sealed class ProviderInboxConsumer(IDocumentSession session, TimeProvider clock) : IConsumer<OnwardReferralRequested>, IConsumer<OnwardReferralWithdrawn>
{
    /// <summary>
    /// A link worker referred someone to one of our providers' services: it lands in that provider's inbox.
    /// The arrival is stamped by our clock, so a delivery delayed (a broker outage, retries, a queue behind)
    /// does not use up the provider's time to acknowledge it: the deadlines count from here, not from the referral.
    /// </summary>
    public async Task Consume(ConsumeContext<OnwardReferralRequested> context)
    {
        var m = context.Message;
        if (await session.Events.FetchStreamStateAsync(m.OnwardReferralId, context.CancellationToken) is not null)
        {
            return;
        }

        session.Events.StartStream<ProviderReferral>(m.OnwardReferralId, new OnwardReferralArrived(
            m.OnwardReferralId, m.ReferralId, m.ProviderId, m.ServiceId, m.ServiceName, m.LinkWorkerServiceId, m.Needs, m.Note, m.Person, m.At, ArrivedAt: clock.GetUtcNow()));
    }

    /// <summary>The link-worker side withdrew an onward referral (or the referral was cancelled): an open one is cancelled.</summary>
    public async Task Consume(ConsumeContext<OnwardReferralWithdrawn> context)
    {
        var m = context.Message;
        var stream = await session.Events.FetchForWriting<ProviderReferral>(m.OnwardReferralId, context.CancellationToken);
        if (stream.Aggregate is not { } current)
        {
            throw new WithdrawnBeforeArrival(m.OnwardReferralId);
        }

        var events = ProviderReferralDecider.Decide(current, new CancelOnwardReferral(m.Reason, m.At));
        stream.AppendMany(events);
        // A withdrawn onward referral that held a place gives it back, like a completion.
        await ServicePlaces.FollowAsync(session, current, events, context.CancellationToken);
    }
}

/// <summary>
/// Arrivals and withdrawals on one queue, each case's in the order published (<see cref="StreamOrder"/>),
/// so a withdrawal published after the request is handled after its arrival.
/// </summary>
public sealed class ProviderInboxConsumerDefinition : ConsumerDefinition<ProviderInboxConsumer>
{
    public ProviderInboxConsumerDefinition()
    {
        EndpointName = "communityproviders-inbox";
        ConcurrentMessageLimit = StreamOrder.Partitions;
    }
}

/// <summary>A withdrawal for an onward referral not stored yet (its request was still in flight or retrying): tried again shortly.</summary>
public sealed class WithdrawnBeforeArrival(Guid onwardReferralId)
    : ArrivedOutOfOrder($"Out of order: withdrawal of onward referral {onwardReferralId} before its arrival.");
