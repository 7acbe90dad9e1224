using Marten;
using MassTransit;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.LinkWorkers.Network;
using ReferralNetwork.ServiceDefaults.Messaging;

namespace ReferralNetwork.LinkWorkers.Cases;

/// <summary>A referral whose area has no link-worker service yet; routed as soon as one registers.</summary>
public sealed record WaitingReferral(Guid Id, string Area, ReferralRequested Referral);

/// <summary>Routes each referral to the link-worker service of its area, opening a case there.</summary>
public sealed class CaseRouting
{
    public async Task RouteAsync(IDocumentSession session, ReferralRequested referral, CancellationToken ct)
    {
        var service = await session.Query<AreaOrganisation>()
            .Where(o => o.Kind == OrganisationKind.LinkWorkerService && o.Area == referral.Area)
            .OrderBy(o => o.RegisteredAt)
            .FirstOrDefaultAsync(ct);
        if (service is null)
        {
            session.Store(new WaitingReferral(referral.ReferralId, referral.Area, referral));
            return;
        }

        Open(session, referral, service);
    }

    public async Task RouteWaitingAsync(IDocumentSession session, AreaOrganisation service, CancellationToken ct)
    {
        var waiting = await session.Query<WaitingReferral>().Where(w => w.Area == service.Area).ToListAsync(ct);
        foreach (var w in waiting)
        {
            Open(session, w.Referral, service);
            session.Delete(w);
        }
    }

    private static void Open(IDocumentSession session, ReferralRequested r, AreaOrganisation service) =>
        session.Events.StartStream<Case>(r.ReferralId, new CaseOpened(
            r.ReferralId, service.Id, service.Name, r.Pathway, r.Area, r.ReferrerId, r.ReferrerName, r.Needs, r.Urgency, r.Reason, r.Person, r.At));
}

/// <summary>
/// Referrals, their cancellations and link-worker service registrations share one queue, one at a time:
/// otherwise a referral and its area's new service could each miss the other and the referral would wait
/// forever, or a cancellation could miss the case being opened for it.
/// </summary>
public sealed class RoutingDefinition<TConsumer>() : OneAtATimeDefinition<TConsumer>("linkworkers-routing")
    where TConsumer : class, IConsumer;

public sealed class ReferralRequestedConsumer(IDocumentSession session, TimeProvider clock, CaseRouting routing)
    : IdempotentConsumer<ReferralRequested>(session, clock)
{
    protected override async Task HandleAsync(ReferralRequested message, CancellationToken ct)
    {
        // A case already open for this referral means another delivery routed it (the inbox row was lost with a retry).
        if (await Session.Events.FetchStreamStateAsync(message.ReferralId, ct) is not null)
        {
            return;
        }

        // The cancellation overtook the request: there is nothing to route.
        if (await Session.LoadAsync<CancelledReferral>(message.ReferralId, ct) is not null)
        {
            return;
        }

        await routing.RouteAsync(Session, message, ct);
    }
}
