using Marten;

namespace ReferralNetwork.EventSourcing;

/// <summary>
/// A stream whose person was erased (partner-api.md §9), keyed by the stream's id, with the referral it
/// belongs to. Written before the stream is masked, so anything that commits afterwards about the same
/// referral sees it: commands on the stream are refused, and consumers mask what they just wrote.
/// </summary>
public sealed record ErasedStream(Guid Id, Guid ReferralId, Guid ErasureId, DateTimeOffset At);

/// <summary>
/// What one service does to forget a person: mask its own events about the referral (Marten's masking
/// rules), rebuild the snapshots from them, and rewrite or delete every other copy it keeps. It must be
/// safe to run again on an already erased referral, since a late message about it triggers it again.
/// </summary>
public interface IPersonErasure
{
    /// <summary>The streams of this service that hold the referral (the referral's own id, or its onward referrals').</summary>
    Task<IReadOnlyList<Guid>> StreamsOfAsync(IQuerySession session, Guid referralId, CancellationToken ct);

    Task EraseAsync(Guid referralId, CancellationToken ct);
}

public static class ErasedText
{
    /// <summary>What stands where a person's name, or free text about them, was.</summary>
    public const string Marker = "(erased)";

    public static string? Optional(string? text) => text is null ? null : Marker;

    /// <summary>
    /// A reason that may be a code (no-response, at-capacity) or free text (a provider's failure reason):
    /// a single kebab-case word stays, since reports count by it; anything else is erased.
    /// </summary>
    public static string? UnlessCode(string? reason) =>
        reason is null || (reason.Length <= 40 && reason.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')) ? reason : Marker;
}

/// <summary>The one place that knows how to mask a set of streams and refresh their inline snapshots.</summary>
public static class StreamMasking
{
    /// <summary>
    /// Applies the store's masking rules to every event of <paramref name="streams"/>, then stores each
    /// aggregate again from its masked events (inline snapshots are not re-run by masking).
    /// </summary>
    public static async Task MaskAsync<T>(this IDocumentStore store, IReadOnlyCollection<Guid> streams, CancellationToken ct)
        where T : class
    {
        if (streams.Count == 0)
        {
            return;
        }

        await store.Advanced.ApplyEventDataMasking(x =>
        {
            foreach (var stream in streams)
            {
                x.IncludeStream(stream);
            }
        }, ct);

        await using var session = store.LightweightSession();
        foreach (var stream in streams)
        {
            if (await session.Events.AggregateStreamAsync<T>(stream, token: ct) is { } masked)
            {
                session.Store(masked);
            }
        }

        await session.SaveChangesAsync(ct);
    }
}
