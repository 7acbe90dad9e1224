using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ReferralNetwork.Messaging;

/// <summary>
/// The bus as MassTransit judges it: unhealthy before it has started, after a stop or a failed start;
/// healthy once started with every receive endpoint consuming; degraded while endpoints are not, which
/// is how a broker outage shows (MassTransit 8.5 reports the bus degraded, not unhealthy, then). That
/// keeps /health at 200: the API still takes referrals, since the event log is the outbox and the relay
/// publishes once the broker is back. This check replaces MassTransit's own "masstransit-bus", whose
/// data is keyed by endpoint addresses (the broker's host and port) and includes a reply queue named
/// after the machine: this one reports queue names only.
/// </summary>
public sealed class BrokerHealthCheck(IBusControl bus) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = bus.CheckHealth();
        var queues = health.Endpoints
            .Select(e => (Address: new Uri(e.Key), e.Value.Status))
            .Where(e => !IsTemporary(e.Address))
            .ToDictionary(e => e.Address.Segments[^1], e => e.Status.ToString().ToLowerInvariant(), StringComparer.Ordinal);
        var waiting = queues.Where(q => q.Value != "healthy").Select(q => q.Key).Order(StringComparer.Ordinal).ToList();
        var data = new Dictionary<string, object> { ["queues"] = queues };

        var result = health.Status switch
        {
            // A bus without queues (the gateway's) only publishes: MassTransit cannot tell then whether the
            // broker is there, and a broker outage shows as the relay's lag under "subscriptions" instead.
            BusHealthStatus.Healthy => HealthCheckResult.Healthy(
                queues.Count > 0 ? $"ready; {queues.Count} queue(s) consuming" : "started; publishes only, no queues to consume", data),
            BusHealthStatus.Degraded => HealthCheckResult.Degraded($"not consuming from {string.Join(", ", waiting)}", data: data),
            _ => new HealthCheckResult(context.Registration.FailureStatus,
                waiting.Count > 0 ? $"not ready; not consuming from {string.Join(", ", waiting)}" : "not ready; the bus is not started", data: data),
        };
        return Task.FromResult(result);
    }

    // The bus's own reply endpoint: auto-deleted, and named after the machine and process.
    private static bool IsTemporary(Uri address) =>
        address.Query.Contains("temporary=true", StringComparison.OrdinalIgnoreCase)
        || address.Query.Contains("autodelete=true", StringComparison.OrdinalIgnoreCase);
}
