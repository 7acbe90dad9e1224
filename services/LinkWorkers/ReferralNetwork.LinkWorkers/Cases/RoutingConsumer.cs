using Marten;
using MassTransit;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.Organisations;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.LinkWorkers.Network;
using ReferralNetwork.Messaging;

namespace ReferralNetwork.LinkWorkers.Cases;

/// <summary>A referral cancelled before it reached this service: a late ReferralRequested for it opens nothing.</summary>
public sealed record CancelledReferral(Guid Id, string Reason, DateTimeOffset At);

/// <summary>
/// Routes referrals to their area's link-worker service (<see cref="CaseRouting"/>), follows the
/// registrations that make a service known, and the referrers' cancellations. The inbox commits.
/// </summary>
public sealed class RoutingConsumer(IDocumentSession session, CaseRouting routing) :
    IConsumer<ReferralRequested>, IConsumer<OrganisationRegistered>, IConsumer<ReferralCancelled>
{
    public async Task Consume(ConsumeContext<ReferralRequested> context)
    {
        var message = context.Message;
        var ct = context.CancellationToken;
        // A case already open for this referral means another delivery routed it (the inbox row was lost with a retry).
        if (await session.Events.FetchStreamStateAsync(message.ReferralId, ct) is not null)
        {
            return;
        }

        // The cancellation overtook the request: there is nothing to route.
        if (await session.LoadAsync<CancelledReferral>(message.ReferralId, ct) is not null)
        {
            return;
        }

        await routing.RouteAsync(session, message, ct);
    }

    public async Task Consume(ConsumeContext<OrganisationRegistered> context)
    {
        var message = context.Message;
        var organisation = new AreaOrganisation(message.OrganisationId, message.Name, message.Kind, message.Area, message.At);
        session.Store(organisation);
        if (organisation.Kind == OrganisationKind.LinkWorkerService)
        {
            // Referrals that arrived before their area had a link-worker service go to it now.
            await routing.RouteWaitingAsync(session, organisation, context.CancellationToken);
        }
    }

    /// <summary>It sees either the case, the waiting referral, or nothing yet (the request has not come).</summary>
    public async Task Consume(ConsumeContext<ReferralCancelled> context)
    {
        var message = context.Message;
        var ct = context.CancellationToken;
        if (await session.Events.FetchStreamStateAsync(message.ReferralId, ct) is not null)
        {
            // Optimistic: a concurrent command on the case makes SaveChanges fail and message retry decides again.
            var stream = await session.Events.FetchForWriting<Case>(message.ReferralId, ct);
            if (stream.Aggregate is { } current)
            {
                stream.AppendMany(CaseDecider.Decide(current, new CancelCase(message.Reason, message.Note, message.At)));
            }

            return;
        }

        if (await session.LoadAsync<WaitingReferral>(message.ReferralId, ct) is { } waiting)
        {
            // Never routed, so no party but the referrer knew of it: forget it (and the person details it holds).
            session.Delete(waiting);
        }

        // Also kept when it was waiting: a redelivered ReferralRequested must not bring it back.
        session.Store(new CancelledReferral(message.ReferralId, message.Reason, message.At));
    }
}

/// <summary>
/// Referrals, their cancellations and link-worker service registrations on one queue. A referral's
/// request and cancellation come from one stream and are taken in order (<see cref="StreamOrder"/>); a
/// referral and its area's new service, taken at once, meet on the area's <see cref="AreaRoutingFence"/>
/// so that neither misses the other.
/// </summary>
public sealed class RoutingConsumerDefinition : ConsumerDefinition<RoutingConsumer>
{
    public RoutingConsumerDefinition()
    {
        EndpointName = "linkworkers-routing";
        ConcurrentMessageLimit = StreamOrder.Partitions;
    }
}
