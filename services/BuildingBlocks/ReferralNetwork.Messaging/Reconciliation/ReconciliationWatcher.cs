using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReferralNetwork.ServiceDefaults;

namespace ReferralNetwork.Messaging.Reconciliation;

/// <summary>
/// What a service reconciles: <see cref="Tag"/> labels the metric (<c>referral</c>), <see cref="Noun"/> and
/// <see cref="Destination"/> word the health check and the log ("referral", "link-worker service").
/// </summary>
public sealed record ReconciledItem(string Tag, string Noun, string Destination);

/// <summary>An item not known to have reached the service it was sent to, due there since <paramref name="DueSince"/>.</summary>
public sealed record Unreached(Guid Id, DateTimeOffset DueSince);

/// <summary>
/// What one service sends another and hears back about once it has arrived (a referral its link-worker service, an
/// onward referral its provider), read from the service's own documents.
/// </summary>
public interface IReconciledItems
{
    ReconciledItem Item { get; }

    /// <summary>Every item due at its destination at or before <paramref name="dueBy"/> that is not known to have arrived.</summary>
    Task<IReadOnlyList<Unreached>> FindUnreachedAsync(DateTimeOffset dueBy, CancellationToken ct);
}

/// <summary>One pass's findings: what had not arrived <see cref="Grace"/> after it was due, as checked at <see cref="CheckedAt"/>.</summary>
public sealed record ReconciliationReading(DateTimeOffset CheckedAt, TimeSpan Grace, IReadOnlyList<Unreached> Unreached)
{
    public Unreached? Oldest => Unreached.MinBy(u => u.DueSince);

    /// <summary>Those not already found by <paramref name="previous"/>: each is logged once, not every pass.</summary>
    public IReadOnlyList<Unreached> NewSince(ReconciliationReading? previous)
    {
        var known = previous?.Unreached.Select(u => u.Id).ToHashSet() ?? [];
        return Unreached.Where(u => !known.Contains(u.Id)).ToList();
    }
}

/// <summary>
/// Looks every <see cref="ReconciliationOptions.Interval"/> for items that have not reached the service they were sent
/// to within <see cref="ReconciliationOptions.Grace"/>, so a message lost on the way (a queue unbound or deleted, a
/// message dropped by hand) is seen rather than silently missed. Keeps the latest reading for the gauge and the
/// <c>reconciliation</c> health check, and warns about each newly overdue item by id (ids only: never person data).
/// </summary>
public sealed class ReconciliationWatcher : BackgroundService
{
    public const string GaugeName = "referral_network.reconciliation.unreached";

    /// <summary>Ids named in one warning; the rest are counted, so a large loss cannot make one line unreadable.</summary>
    private const int IdsPerWarning = 20;

    private readonly IReconciledItems items;
    private readonly IOptions<ReconciliationOptions> options;
    private readonly TimeProvider clock;
    private readonly IHostApplicationLifetime lifetime;
    private readonly ILogger<ReconciliationWatcher> logger;
    private ReconciliationReading? latest;

    public ReconciliationWatcher(
        IReconciledItems items, IOptions<ReconciliationOptions> options, TimeProvider clock, IHostApplicationLifetime lifetime,
        IMeterFactory meters, ILogger<ReconciliationWatcher> logger)
    {
        this.items = items;
        this.options = options;
        this.clock = clock;
        this.lifetime = lifetime;
        this.logger = logger;
        meters.Create(Telemetry.SourceName).CreateObservableGauge(GaugeName, Observe, unit: "{item}",
            description: "Items sent to another service longer ago than Reconciliation:Grace and not known to have reached it, by item (referral, onward-referral).");
    }

    public ReconciledItem Item => items.Item;

    /// <summary>The latest reading; null until the first pass succeeds.</summary>
    public ReconciliationReading? Latest => Volatile.Read(ref latest);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await lifetime.WhenStartedAsync(stoppingToken);
            var interval = options.Value.Interval;
            using var timer = new PeriodicTimer(interval, clock);
            do
            {
                try
                {
                    await CheckAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The last reading stays; the health check says how old it is.
                    logger.LogWarning(ex, "Reconciling {Item}s failed; trying again in {Interval}", Item.Noun, interval);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>One pass: finds what is overdue now, keeps it as the latest reading and warns about what is new.</summary>
    public async Task<ReconciliationReading> CheckAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var grace = options.Value.Grace;
        var reading = new ReconciliationReading(now, grace, await items.FindUnreachedAsync(now - grace, ct));
        var previous = Latest;
        Volatile.Write(ref latest, reading);

        var found = reading.NewSince(previous);
        if (found.Count > 0)
        {
            var ids = string.Join(", ", found.OrderBy(u => u.DueSince).Take(IdsPerWarning).Select(u => u.Id));
            var more = found.Count > IdsPerWarning ? $" and {found.Count - IdsPerWarning} more" : "";
            logger.LogWarning(
                "{Count} {Item}(s) have not reached their {Destination} within {Grace}: {Ids}{More}. {Total} in all, the oldest due since {Oldest:u}.",
                found.Count, Item.Noun, Item.Destination, grace, ids, more, reading.Unreached.Count, reading.Oldest!.DueSince);
        }
        else if (reading.Unreached.Count == 0 && previous is { Unreached.Count: > 0 })
        {
            logger.LogInformation("No {Item} is overdue at its {Destination} any more", Item.Noun, Item.Destination);
        }

        return reading;
    }

    private IEnumerable<Measurement<long>> Observe() =>
        Latest is { } reading ? [new Measurement<long>(reading.Unreached.Count, new KeyValuePair<string, object?>("item", Item.Tag))] : [];
}
