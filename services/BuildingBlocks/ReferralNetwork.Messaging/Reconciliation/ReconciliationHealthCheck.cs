using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ReferralNetwork.Messaging.Reconciliation;

/// <summary>
/// The watcher's latest reading (no query here). Degraded while anything has not reached the service it was sent to
/// within the grace period, saying how many and how long the oldest has waited; never unhealthy, since the service
/// itself works and taking it out of a load balancer mends nothing. The ids are in the log, not here: /health is anonymous.
/// </summary>
public sealed class ReconciliationHealthCheck(ReconciliationWatcher watcher, IOptions<ReconciliationOptions> options, TimeProvider clock) : IHealthCheck
{
    /// <summary>Missed passes (the database away) after which the reading shown is too old to vouch for.</summary>
    public const int StaleAfterPasses = 3;

    /// <summary>But never sooner than this: a pass on a loaded database can take seconds, and a short interval is no outage.</summary>
    public static readonly TimeSpan StaleAfterAtLeast = TimeSpan.FromSeconds(30);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var item = watcher.Item;
        if (watcher.Latest is not { } reading)
        {
            return Task.FromResult(HealthCheckResult.Healthy("not checked yet"));
        }

        var now = clock.GetUtcNow();
        var data = new Dictionary<string, object> { ["item"] = item.Tag, ["unreached"] = reading.Unreached.Count, ["checkedAt"] = reading.CheckedAt };
        if (reading.Oldest is { } oldest)
        {
            data["oldestDueSince"] = oldest.DueSince;
        }

        var staleAfter = options.Value.Interval * StaleAfterPasses;
        if (now - reading.CheckedAt >= (staleAfter > StaleAfterAtLeast ? staleAfter : StaleAfterAtLeast))
        {
            return Task.FromResult(HealthCheckResult.Degraded(
                $"not checked since {reading.CheckedAt:u}; then {reading.Unreached.Count} {item.Noun}(s) had not reached their {item.Destination}", data: data));
        }

        return Task.FromResult(reading.Oldest is { } first
            ? HealthCheckResult.Degraded(
                $"{reading.Unreached.Count} {item.Noun}(s) have not reached their {item.Destination} within {Span(reading.Grace)}; " +
                $"the oldest has waited {Span(now - first.DueSince)}", data: data)
            : HealthCheckResult.Healthy($"every {item.Noun} due more than {Span(reading.Grace)} ago has reached its {item.Destination}", data));
    }

    /// <summary>A span as an operator reads it: whole seconds, minutes, hours or days.</summary>
    internal static string Span(TimeSpan span) => span switch
    {
        { TotalMinutes: < 2 } => $"{Math.Max(0, (long)span.TotalSeconds)} s",
        { TotalHours: < 2 } => $"{(long)span.TotalMinutes} min",
        { TotalDays: < 2 } => $"{(long)span.TotalHours} h",
        _ => $"{(long)span.TotalDays} d",
    };
}
