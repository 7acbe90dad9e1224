using Marten;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.LinkWorkers.Network;

namespace ReferralNetwork.LinkWorkers.Cases;

/// <summary>A referral whose area has no link-worker service yet; routed as soon as one registers.</summary>
public sealed record WaitingReferral(Guid Id, string Area, ReferralRequested Referral);

/// <summary>
/// Written by every referral that finds its area without a link-worker service and by every registration of
/// one, each having read it before looking for the other (optimistic concurrency): of a referral and a
/// registration handled at once, whichever commits second fails on the fence and its retry sees the other.
/// Otherwise the referral could wait for a service that had registered, and the service never see it.
/// </summary>
public sealed record AreaRoutingFence(string Id, DateTimeOffset TouchedAt);

/// <summary>Routes each referral to the link-worker service of its area, opening a case there.</summary>
public sealed class CaseRouting(TimeProvider clock)
{
    public async Task RouteAsync(IDocumentSession session, ReferralRequested referral, CancellationToken ct)
    {
        var service = await ServiceOfAsync(session, referral.Area, ct);
        if (service is null)
        {
            // Looked for again once the fence is read: a registration committed in between is seen now, and one
            // committed later fails this commit.
            await TouchFenceAsync(session, referral.Area, ct);
            service = await ServiceOfAsync(session, referral.Area, ct);
        }

        if (service is null)
        {
            session.Store(new WaitingReferral(referral.ReferralId, referral.Area, referral));
            return;
        }

        Open(session, referral, service);
    }

    public async Task RouteWaitingAsync(IDocumentSession session, AreaOrganisation service, CancellationToken ct)
    {
        await TouchFenceAsync(session, service.Area, ct);
        var waiting = await session.Query<WaitingReferral>().Where(w => w.Area == service.Area).ToListAsync(ct);
        foreach (var w in waiting)
        {
            Open(session, w.Referral, service);
            session.Delete(w);
        }
    }

    private static Task<AreaOrganisation?> ServiceOfAsync(IDocumentSession session, string area, CancellationToken ct) =>
        session.Query<AreaOrganisation>()
            .Where(o => o.Kind == OrganisationKind.LinkWorkerService && o.Area == area)
            .OrderBy(o => o.RegisteredAt)
            .FirstOrDefaultAsync(ct);

    private async Task TouchFenceAsync(IDocumentSession session, string area, CancellationToken ct)
    {
        // Loaded, so the store checks the version read (or that there was none).
        await session.LoadAsync<AreaRoutingFence>(area, ct);
        session.Store(new AreaRoutingFence(area, clock.GetUtcNow()));
    }

    private static void Open(IDocumentSession session, ReferralRequested r, AreaOrganisation service) =>
        session.Events.StartStream<Case>(r.ReferralId, new CaseOpened(
            r.ReferralId, service.Id, service.Name, r.Pathway, r.Area, r.ReferrerId, r.ReferrerName, r.Needs, r.Urgency, r.Reason, r.Person, r.At));
}
