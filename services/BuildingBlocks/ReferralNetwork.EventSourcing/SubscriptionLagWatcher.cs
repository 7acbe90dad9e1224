using System.Diagnostics.Metrics;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReferralNetwork.ServiceDefaults;

namespace ReferralNetwork.EventSourcing;

/// <summary>
/// How far one subscription (an async daemon shard) is behind the event log. <see cref="WaitingSince"/>
/// is the first reading at which events were waiting for it and it has not advanced since; null when
/// it has caught up. So a subscription idle for hours is not "stuck" the moment a new event arrives.
/// </summary>
public sealed record SubscriptionLag(string Subscription, long Progress, long Lag, DateTimeOffset? WaitingSince);

/// <summary>Every subscription's progress against the highest committed event, as read at <see cref="ReadAt"/>.</summary>
public sealed record SubscriptionLagReading(DateTimeOffset ReadAt, long HighestSequence, IReadOnlyList<SubscriptionLag> Subscriptions);

/// <summary>
/// Reads the event store's subscription progress every few seconds and keeps the latest reading for
/// the lag gauge and the "subscriptions" health check, so neither queries the database itself (a gauge
/// callback runs on the exporter's thread, and health is probed often).
/// </summary>
public sealed class SubscriptionLagWatcher : BackgroundService
{
    public const string GaugeName = "referral_network.subscription.lag";
    public static readonly TimeSpan ReadEvery = TimeSpan.FromSeconds(5);

    private readonly IDocumentStore store;
    private readonly TimeProvider clock;
    private readonly ILogger<SubscriptionLagWatcher> logger;
    private readonly string highestSequenceSql;
    private readonly IReadOnlyList<string> configuredShards;
    private SubscriptionLagReading? latest;

    public SubscriptionLagWatcher(IDocumentStore store, TimeProvider clock, IMeterFactory meters, ILogger<SubscriptionLagWatcher> logger)
    {
        this.store = store;
        this.clock = clock;
        this.logger = logger;
        // The highest committed event rather than FetchEventStoreStatistics' sequence value: a failed
        // append (a version conflict, a duplicate inbox row) burns sequence numbers no event carries, and
        // they would show as lag the daemon can never make up, and then as a stall.
        highestSequenceSql = $"select coalesce(max(seq_id), 0) from {store.Options.Events.DatabaseSchemaName}.mt_events";
        // Subscriptions are async shards too, but Advanced.AllAsyncProjectionShardNames lists projections only.
        configuredShards = (store.Options as StoreOptions)?.Projections.AllShards().Select(s => s.Name.Identity).ToList() ?? [];
        meters.Create(Telemetry.SourceName).CreateObservableGauge(GaugeName, Observe, unit: "{event}",
            description: "Events committed to the log that the subscription has not processed yet.");
    }

    /// <summary>The latest reading; null until the first one succeeds.</summary>
    public SubscriptionLagReading? Latest => Volatile.Read(ref latest);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ReadEvery, clock);
        try
        {
            do
            {
                try
                {
                    Record(await ReadAsync(Latest, stoppingToken));
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The last reading stays; the health check reports it as stale once it is old.
                    logger.LogWarning(ex, "Reading subscription progress failed; trying again in {Interval}", ReadEvery);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task<SubscriptionLagReading> ReadAsync(SubscriptionLagReading? previous, CancellationToken ct)
    {
        long highest;
        await using (var session = store.QuerySession())
        {
            highest = (await session.QueryAsync<long>(highestSequenceSql, ct)).Single();
        }

        var progress = (await store.Advanced.AllProjectionProgress(token: ct))
            .Where(p => p.ShardName != ShardState.HighWaterMark)
            .ToDictionary(p => p.ShardName, p => p.Sequence);
        // A subscription that has never saved progress (nothing to process yet) is at the start of the log.
        foreach (var shard in configuredShards)
        {
            progress.TryAdd(shard, 0);
        }

        return Next(previous, clock.GetUtcNow(), highest, progress);
    }

    /// <summary>Keeps <paramref name="reading"/> as the latest, for the gauge and the health check.</summary>
    internal void Record(SubscriptionLagReading reading) => Volatile.Write(ref latest, reading);

    /// <summary>
    /// The reading taken at <paramref name="now"/> from each shard's saved progress and the highest committed
    /// event, carrying <see cref="SubscriptionLag.WaitingSince"/> over from <paramref name="previous"/> while
    /// a subscription has events waiting and has not advanced.
    /// </summary>
    internal static SubscriptionLagReading Next(
        SubscriptionLagReading? previous, DateTimeOffset now, long highest, IReadOnlyDictionary<string, long> progress)
    {
        var lags = progress.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
        {
            var name = Label(p.Key);
            var lag = Math.Max(0, highest - p.Value);
            var before = previous?.Subscriptions.FirstOrDefault(s => s.Subscription == name);
            DateTimeOffset? waitingSince = lag == 0 ? null
                : before is { WaitingSince: { } since } && before.Progress == p.Value ? since
                : now;
            return new SubscriptionLag(name, p.Value, lag, waitingSince);
        }).ToList();
        return new SubscriptionLagReading(now, highest, lags);
    }

    /// <summary>"integration-event-relay" for the shard "integration-event-relay:All"; a real shard keeps its key.</summary>
    private static string Label(string shardIdentity) =>
        ShardName.TryParse(shardIdentity, out var shard) && shard?.ShardKey == ShardName.All ? shard.Name : shardIdentity;

    private IEnumerable<Measurement<long>> Observe() =>
        Latest?.Subscriptions.Select(s => new Measurement<long>(s.Lag, new KeyValuePair<string, object?>("subscription", s.Subscription))) ?? [];
}
