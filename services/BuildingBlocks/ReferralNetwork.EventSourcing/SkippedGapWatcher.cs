using System.Diagnostics.Metrics;
using System.Threading.Channels;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReferralNetwork.ServiceDefaults;

namespace ReferralNetwork.EventSourcing;

/// <summary>
/// Warns about, and counts, every time the async daemon's high water mark skips a gap in the event
/// sequence: every subscription (the relay, the partner feed) passes over the skipped sequence numbers,
/// so an event that commits there afterwards would never be relayed or fed.
/// </summary>
/// <remarks>
/// The daemon publishes a skip on the database's shard state tracker (the high water mark's state, with
/// action <see cref="ShardAction.Skipped"/>, from <see cref="ShardState.PreviousGoodMark"/> to
/// <see cref="ShardState.Sequence"/>); Marten also records it in <c>mt_high_water_skips</c> and counts it in
/// its own <c>marten.daemon.skipping</c>. With the gap settings in <see cref="EventStoreExtensions"/> a skip
/// should only ever pass over sequence numbers whose transaction rolled back or was ended by the server,
/// which lose nothing; the warning says how many numbers in the range had no event, for whoever checks.
/// </remarks>
public sealed class SkippedGapWatcher : BackgroundService, IObserver<ShardState>
{
    public const string CounterName = "referral_network.event_log.gaps_skipped";

    private readonly IDocumentStore store;
    private readonly ILogger<SkippedGapWatcher> logger;
    private readonly Counter<long> skipped;
    private readonly string committedInRangeSql;
    private readonly Channel<ShardState> skips = Channel.CreateUnbounded<ShardState>(new UnboundedChannelOptions { SingleReader = true });

    public SkippedGapWatcher(IDocumentStore store, IMeterFactory meters, ILogger<SkippedGapWatcher> logger)
    {
        this.store = store;
        this.logger = logger;
        skipped = meters.Create(Telemetry.SourceName).CreateCounter<long>(CounterName, unit: "{gap}",
            description: "Times the event log's high water mark skipped a gap in the event sequence; every subscription passed over it.");
        committedInRangeSql = $"select count(*) from {store.Options.Events.DatabaseSchemaName}.mt_events where seq_id > ? and seq_id <= ?";
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The tracker is the database's, shared with the daemon however often it is started.
        using var subscription = store.Storage.Database.Tracker.Subscribe(this);
        try
        {
            await foreach (var skip in skips.Reader.ReadAllAsync(stoppingToken))
            {
                await ReportAsync(skip, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task ReportAsync(ShardState skip, CancellationToken ct)
    {
        skipped.Add(1);
        var from = skip.PreviousGoodMark + 1;
        var to = skip.Sequence;
        long committed;
        try
        {
            await using var session = store.QuerySession();
            committed = (await session.QueryAsync<long>(committedInRangeSql, ct, skip.PreviousGoodMark, skip.Sequence)).Single();
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(ex,
                "The event log's high water mark skipped from {PreviousMark} to {Mark}; counting the committed events in that range failed. " +
                "Every subscription (the relay, the partner feed) passes over the sequence numbers {From} to {To}.",
                skip.PreviousGoodMark, skip.Sequence, from, to);
            return;
        }

        logger.LogWarning(
            "The event log's high water mark skipped from {PreviousMark} to {Mark}: {Missing} of the sequence numbers {From} to {To} had no " +
            "committed event. Every subscription (the relay, the partner feed) passes over them, so an event committed there later is never " +
            "relayed or fed. Expected only for transactions that rolled back or that the server ended (statement or idle-in-transaction timeout).",
            skip.PreviousGoodMark, skip.Sequence, to - from + 1 - committed, from, to);
    }

    void IObserver<ShardState>.OnNext(ShardState value)
    {
        // Called on the daemon's thread: hand over and return.
        if (value.ShardName == ShardState.HighWaterMark && value.Action == ShardAction.Skipped)
        {
            skips.Writer.TryWrite(value);
        }
    }

    void IObserver<ShardState>.OnCompleted()
    {
    }

    void IObserver<ShardState>.OnError(Exception error)
    {
    }
}
