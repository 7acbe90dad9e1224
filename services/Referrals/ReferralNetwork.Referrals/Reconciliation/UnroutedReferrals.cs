using Marten;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging.Reconciliation;
using ReferralNetwork.Referrals.Referrals;

namespace ReferralNetwork.Referrals.Reconciliation;

/// <summary>
/// Referrals that have not reached a link-worker service. The link-worker service answers a referral it routed with
/// ReferralRouted, which sets the referral's link-worker service; one still without it long after it was due was
/// lost on the way (its ReferralRequested or the ReferralRouted back).
/// </summary>
public sealed class UnroutedReferrals(IDocumentStore store) : IReconciledItems
{
    public ReconciledItem Item { get; } = new("referral", "referral", "link-worker service");

    public async Task<IReadOnlyList<Unreached>> FindUnreachedAsync(DateTimeOffset dueBy, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        // By the indexed link-worker service column, so only referrals not routed yet are read: a handful in normal running.
        var unrouted = await session.Query<Referral>()
            .Where(r => r.LinkWorkerServiceId == null && r.Status == ReferralStatus.Requested && r.CreatedAt <= dueBy)
            .ToListAsync(ct);
        if (unrouted.Count == 0)
        {
            return [];
        }

        var served = await session.LoadManyAsync<ServedArea>(ct, unrouted.Select(r => r.Area).Distinct().ToArray());
        var erased = await session.LoadManyAsync<ErasedStream>(ct, unrouted.Select(r => r.Id).ToArray());
        return Overdue(unrouted, served.ToDictionary(a => a.Id, a => a.Since), erased.Select(e => e.Id).ToHashSet(), dueBy);
    }

    /// <summary>
    /// The referrals due at a link-worker service by <paramref name="dueBy"/> that have none. Due from their submission,
    /// or from when their area was first known to be served if that was later. Left out: a referral of an area no
    /// link-worker service serves (it waits for one), a cancelled one (no link-worker service needs it any more), and an
    /// erased one (nothing can be done with it: its person is gone and it takes no commands).
    /// </summary>
    public static IReadOnlyList<Unreached> Overdue(
        IEnumerable<Referral> referrals, IReadOnlyDictionary<string, DateTimeOffset> servedSince, IReadOnlySet<Guid> erased, DateTimeOffset dueBy) =>
        referrals
            .Where(r => r.LinkWorkerServiceId is null && r.Status == ReferralStatus.Requested && !erased.Contains(r.Id))
            .Select(r => servedSince.TryGetValue(r.Area, out var since) ? new Unreached(r.Id, r.CreatedAt > since ? r.CreatedAt : since) : null)
            .OfType<Unreached>()
            .Where(u => u.DueSince <= dueBy)
            .OrderBy(u => u.DueSince)
            .ToList();
}
