using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ReferralNetwork.ServiceDefaults.EventStore;

/// <summary>Reports how far the outbox relay is behind the event log; degraded when it falls far behind.</summary>
public sealed class RelayLagHealthCheck(IDocumentStore store) : IHealthCheck
{
    private const long DegradedAfterEvents = 1000;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var statistics = await store.Advanced.FetchEventStoreStatistics(token: cancellationToken);
        var progress = await store.Advanced.AllProjectionProgress(token: cancellationToken);
        var relay = progress.FirstOrDefault(p => p.ShardName.StartsWith("integration-event-relay", StringComparison.Ordinal));
        var lag = statistics.EventSequenceNumber - (relay?.Sequence ?? 0);
        var description = $"relay is {lag} event(s) behind";
        return lag > DegradedAfterEvents ? HealthCheckResult.Degraded(description) : HealthCheckResult.Healthy(description);
    }
}
