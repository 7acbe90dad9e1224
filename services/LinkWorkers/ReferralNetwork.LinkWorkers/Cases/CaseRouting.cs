using Marten;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.LinkWorkers.Network;

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
