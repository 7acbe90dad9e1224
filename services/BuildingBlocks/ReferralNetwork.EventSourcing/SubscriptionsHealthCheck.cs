using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ReferralNetwork.EventSourcing;

/// <summary>
/// Each subscription's lag from the watcher's latest reading (no database query here). Degraded when
/// one is far behind or the reading is stale; unhealthy when one has stopped advancing while events wait
/// for it, because then nothing it carries (integration events, the partner feed) reaches anyone, and
/// that does not mend itself the way a burst of events does.
/// </summary>
public sealed class SubscriptionsHealthCheck(SubscriptionLagWatcher watcher, TimeProvider clock) : IHealthCheck
{
    /// <summary>A burst (a practice bulk-referring) is caught up within seconds; this many waiting is not a burst.</summary>
    public const long FarBehindEvents = 1000;

    /// <summary>
    /// Long enough for a slow page (the relay retries a broker that is away for up to 15 s an attempt),
    /// short enough that an operator learns of a stopped daemon before partners do.
    /// </summary>
    public static readonly TimeSpan StalledAfter = TimeSpan.FromMinutes(2);

    /// <summary>Missed readings (the database away): the lag shown is that old.</summary>
    public static readonly TimeSpan StaleAfter = SubscriptionLagWatcher.ReadEvery * 4;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var reading = watcher.Latest;
        if (reading is null)
        {
            return Task.FromResult(HealthCheckResult.Degraded("subscription progress not read yet"));
        }

        var data = new Dictionary<string, object>
        {
            ["highestSequence"] = reading.HighestSequence,
            ["readAt"] = reading.ReadAt,
            ["subscriptions"] = reading.Subscriptions.ToDictionary(
                s => s.Subscription, s => new { lag = s.Lag, progress = s.Progress, waitingSince = s.WaitingSince }),
        };

        if (clock.GetUtcNow() - reading.ReadAt >= StaleAfter)
        {
            return Task.FromResult(HealthCheckResult.Degraded($"no reading since {reading.ReadAt:u}; the lag shown is that old", data: data));
        }

        // Judged at the reading's own time, so a database that cannot be read is not mistaken for a stall.
        var stalled = reading.Subscriptions.Where(s => s.WaitingSince is { } since && reading.ReadAt - since >= StalledAfter).ToList();
        if (stalled.Count > 0)
        {
            var which = string.Join("; ", stalled.Select(s => $"{s.Subscription} {s.Lag} event(s) behind, not advanced since {s.WaitingSince:u}"));
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, $"stopped advancing: {which}", data: data));
        }

        var summary = string.Join(", ", reading.Subscriptions.Select(s => $"{s.Subscription} {s.Lag}"));
        return Task.FromResult(reading.Subscriptions.Any(s => s.Lag > FarBehindEvents)
            ? HealthCheckResult.Degraded($"far behind; events behind: {summary}", data: data)
            : HealthCheckResult.Healthy($"events behind: {summary}", data: data));
    }
}
