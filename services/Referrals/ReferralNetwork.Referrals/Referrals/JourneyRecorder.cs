using System.Runtime.CompilerServices;
using JasperFx.Events;
using JasperFx.Events.Aggregation;
using Marten;
using Marten.Services;

namespace ReferralNetwork.Referrals.Referrals;

/// <summary>
/// Records the journey metrics of every save to referral streams, whoever saves (the API, the update
/// consumers), and only once the save has committed: a failed save, an optimistic-concurrency conflict
/// or a redelivered message the inbox drops commits nothing and so records nothing, and an idempotent
/// replay never saves at all.
/// </summary>
/// <remarks>
/// Measured just before the save against the committed snapshot, the state the new events follow: one
/// extra load per referral stream written. If the save then commits, its version check proves no one
/// wrote in between, so the state measured against was the right one.
/// </remarks>
public sealed class JourneyRecorder(JourneyMetrics metrics, ILogger<JourneyRecorder> logger) : DocumentSessionListenerBase
{
    // One listener serves every session: what each is about to commit waits here, keyed by the session.
    private readonly ConditionalWeakTable<IDocumentSession, IReadOnlyList<JourneyMeasurements>> pending = new();

    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        pending.Remove(session);
        // Appends through FetchForWriting do not name the aggregate type. This store holds referral streams
        // only, and an append to a stream without a referral snapshot is skipped below.
        var streams = session.PendingChanges.Streams().Where(s => s.AggregateType is null || s.AggregateType == typeof(Referral)).ToList();
        if (streams.Count == 0)
        {
            return;
        }

        // A session of its own (it connects only if used): this one already holds the snapshots its inline projection moved on.
        await using var committed = session.DocumentStore.QuerySession();
        var evolve = EvolverOf(session.DocumentStore);
        var measured = new List<JourneyMeasurements>();
        foreach (var stream in streams)
        {
            try
            {
                Referral? before = null;
                if (stream.ActionType == StreamActionType.Append)
                {
                    before = await committed.LoadAsync<Referral>(stream.Id, token);
                    if (before is null || (stream.ExpectedVersionOnServer is { } expected && before.Version != expected))
                    {
                        // Written by someone else since it was fetched: this save fails its version check.
                        continue;
                    }
                }

                measured.Add(JourneyMeasurements.Of(before, await StepAsync(evolve, committed, before, stream.Events, token)));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Metrics never stop a referral's events being saved.
                logger.LogError(ex, "Could not measure the journey of referral {ReferralId}", stream.Id);
            }
        }

        if (measured.Count > 0)
        {
            pending.AddOrUpdate(session, measured);
        }
    }

    /// <summary>
    /// Each event with the referral after it, evolved one event at a time by the aggregator Marten uses
    /// for the inline snapshot: the referral's own Create and Apply, with no second copy of that dispatch.
    /// </summary>
    public static async Task<IReadOnlyList<JourneyStep>> StepAsync(
        IAggregator<Referral, IQuerySession> evolve, IQuerySession session, Referral? before, IReadOnlyList<IEvent> events, CancellationToken ct)
    {
        var steps = new List<JourneyStep>(events.Count);
        var state = before;
        foreach (var @event in events)
        {
            state = await evolve.BuildAsync([@event], session, state, ct)
                ?? throw new InvalidOperationException($"{@event.EventType.Name} left no referral to measure.");
            steps.Add(new JourneyStep(@event.Data, state));
        }

        return steps;
    }

    /// <summary>The store's own aggregator for referrals (cached by Marten).</summary>
    public static IAggregator<Referral, IQuerySession> EvolverOf(IDocumentStore store) =>
        ((StoreOptions)store.Options).Projections.AggregatorFor<Referral>();

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        if (pending.TryGetValue(session, out var measured))
        {
            pending.Remove(session);
            foreach (var measurements in measured)
            {
                metrics.Record(measurements);
            }
        }

        return Task.CompletedTask;
    }
}
