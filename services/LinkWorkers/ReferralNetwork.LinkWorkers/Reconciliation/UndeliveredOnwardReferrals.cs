using Marten;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.Messaging.Reconciliation;

namespace ReferralNetwork.LinkWorkers.Reconciliation;

/// <summary>
/// Onward referrals that have not reached their provider. The provider service reports each arrival in its inbox
/// (OnwardReferralArrived); one with no report long after it was made was lost on the way (its OnwardReferralRequested
/// or the report back).
/// </summary>
public sealed class UndeliveredOnwardReferrals(IDocumentStore store) : IReconciledItems
{
    public ReconciledItem Item { get; } = new("onward-referral", "onward referral", "provider");

    public async Task<IReadOnlyList<Unreached>> FindUnreachedAsync(DateTimeOffset dueBy, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        // By the indexed column: only cases with an onward referral not known to be at its provider are read.
        var cases = await session.Query<Case>().Where(c => c.AwaitingArrivalSince <= dueBy).ToListAsync(ct);
        if (cases.Count == 0)
        {
            return [];
        }

        var erased = await session.LoadManyAsync<ErasedStream>(ct, cases.Select(c => c.Id).ToArray());
        return Overdue(cases, erased.Select(e => e.Id).ToHashSet(), dueBy);
    }

    /// <summary>
    /// The onward referrals made by <paramref name="dueBy"/> and not known to be at their provider. Left out: one withdrawn
    /// (the provider no longer needs it), and those of an erased case (nothing can be done with them: the person is gone).
    /// </summary>
    public static IReadOnlyList<Unreached> Overdue(IEnumerable<Case> cases, IReadOnlySet<Guid> erased, DateTimeOffset dueBy) =>
        cases
            .Where(c => !erased.Contains(c.Id))
            .SelectMany(c => c.OnwardReferrals)
            .Where(o => o.IsAwaitingArrival && o.At <= dueBy)
            .Select(o => new Unreached(o.Id, o.At))
            .OrderBy(u => u.DueSince)
            .ToList();
}
