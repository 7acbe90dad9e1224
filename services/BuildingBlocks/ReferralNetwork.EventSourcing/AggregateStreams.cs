using Marten;

namespace ReferralNetwork.EventSourcing;

/// <summary>An aggregate after a command: its state as the inline projection stored it, and its stream's version.</summary>
public sealed record Changed<T>(T State, long Version);

/// <summary>
/// The one write path for aggregates (Helpdesk's WriteToAggregate, with a visibility check first):
/// a command's decision is a list of events, appended in one transaction with whatever else the
/// session holds. State and version afterwards come from Marten (the inline snapshot and the stream),
/// never from replaying events by hand.
/// </summary>
public static class AggregateStreams
{
    /// <summary>
    /// Fetches the stream for writing; one the caller may not see is <see cref="NotVisible"/> before any
    /// version is compared, so neither the answer nor its timing tells them it exists. With
    /// <paramref name="expectedVersion"/> (If-Match) another version is <see cref="VersionMismatch"/>; a
    /// concurrent writer makes the save fail with Marten's ConcurrencyException either way, unless
    /// <paramref name="queueUnconditional"/> asks a command without an expected version to wait for the
    /// stream's lock instead (FetchForExclusiveWriting). A stream whose person was erased takes no commands.
    /// </summary>
    public static async Task<Changed<T>> ChangeAsync<T>(
        this IDocumentSession session, Guid id, long? expectedVersion, Func<T, bool> isVisible, string what,
        Func<T, Task<IReadOnlyList<object>>> decide, CancellationToken ct, bool queueUnconditional = false)
        where T : class
    {
        var stream = expectedVersion is null && queueUnconditional
            ? await session.Events.FetchForExclusiveWriting<T>(id, ct)
            : await session.Events.FetchForWriting<T>(id, ct);
        if (stream.Aggregate is not { } current || !isVisible(current))
        {
            throw new NotVisible(what);
        }

        await RefuseErasedAsync(session, id, what, ct);
        var version = stream.StartingVersion ?? 0;
        if (expectedVersion is { } expected && expected != version)
        {
            throw new VersionMismatch(expected, version);
        }

        stream.AppendMany(await decide(current));
        await session.SaveChangesAsync(ct);
        return await LatestAsync<T>(session, id, stream.CurrentVersion ?? version, ct);
    }

    public static Task<Changed<T>> ChangeAsync<T>(
        this IDocumentSession session, Guid id, long? expectedVersion, Func<T, bool> isVisible, string what,
        Func<T, IReadOnlyList<object>> decide, CancellationToken ct)
        where T : class =>
        session.ChangeAsync<T>(id, expectedVersion, isVisible, what, current => Task.FromResult(decide(current)), ct);

    /// <summary>
    /// Starts a new stream (a second start of the same id fails the save) and returns the aggregate it begins.
    /// Streams keyed by a referral's id (its outcomes) are refused once the referral's person was erased.
    /// </summary>
    public static async Task<Changed<T>> StartAsync<T>(this IDocumentSession session, Guid id, IReadOnlyList<object> events, CancellationToken ct)
        where T : class
    {
        await RefuseErasedAsync(session, id, "referral", ct);
        session.Events.StartStream<T>(id, events.ToArray());
        await session.SaveChangesAsync(ct);
        return await LatestAsync<T>(session, id, events.Count, ct);
    }

    // Erasure stops processing too: nothing new is recorded about a person who was erased.
    private static async Task RefuseErasedAsync(IDocumentSession session, Guid id, string what, CancellationToken ct)
    {
        if (await session.LoadAsync<ErasedStream>(id, ct) is not null)
        {
            throw new RuleViolation($"The person on this {what} was erased; it takes no further changes.");
        }
    }

    // After FetchForWriting or StartStream in the same session, Marten answers from the identity map
    // the inline projection just updated: no second read of the database.
    private static async Task<Changed<T>> LatestAsync<T>(IDocumentSession session, Guid id, long version, CancellationToken ct)
        where T : class =>
        new(await session.Events.FetchLatest<T>(id, ct) ?? throw new InvalidOperationException($"{typeof(T).Name} {id} has no state after its events."),
            version);
}
