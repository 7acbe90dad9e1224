using System.Security.Cryptography;
using System.Text;
using Marten;

namespace ReferralNetwork.LinkWorkers.LinkWorkers;

/// <summary>
/// Serialises the decisions that read a link-worker service's caseloads and then change them: accepting a case
/// (automatic choice or a named link worker) and changing a link worker's maximum. Without it two accepts read the
/// same loads and both give the last place to the same link worker, overfilling them.
/// <para>
/// A PostgreSQL advisory lock held by the session's transaction, one per link-worker service: the first waits for
/// nothing, the next waits until the first commits (or rolls back) and then reads what it committed. The lock is
/// taken before the caseloads are read, which Marten's queued SQL could not do, so the session's transaction is
/// begun here. Chosen over an optimistic version on a per-worker load document because a loser there would answer
/// 409 for a request that could simply have gone to the next link worker with room; here it picks again from the
/// loads as they now are. A service's accepts are a team's work, so taking turns costs nothing noticeable.
/// </para>
/// </summary>
public static class CaseloadLock
{
    /// <summary>Begins the session's transaction and waits for the service's caseload lock, held until it commits or rolls back.</summary>
    public static async Task TakeAsync(IDocumentSession session, Guid linkWorkerServiceId, CancellationToken ct)
    {
        await session.BeginTransactionAsync(ct);
        await session.QueryAsync<bool>("select true from (select pg_advisory_xact_lock(?)) as locked", ct, KeyFor(linkWorkerServiceId));
    }

    /// <summary>
    /// The service's lock key. Namespaced so no other lock in this database shares it by design; a chance collision of
    /// 64-bit hashes would only make two services take turns.
    /// </summary>
    public static long KeyFor(Guid linkWorkerServiceId) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"linkworkers:caseloads:{linkWorkerServiceId:N}")), 0);
}
