using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ReferralNetwork.Messaging;

/// <summary>
/// The bus as MassTransit judges it: healthy once started with every receive endpoint consuming;
/// degraded otherwise, while it connects or reconnects in the background (a broker outage, or a start
/// while the broker is down). Never unhealthy: that keeps /health at 200 and the service ready, since
/// the API still takes referrals, the event log is the outbox, and the relay publishes once the broker
/// is back. This check replaces MassTransit's own "masstransit-bus", whose data is keyed by endpoint
/// addresses (the broker's host and port) and includes a reply queue named after the machine: this one
/// reports queue names only.
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
            _ => HealthCheckResult.Degraded(
                waiting.Count > 0 ? $"not consuming from {string.Join(", ", waiting)}; reconnecting" : "not connected to the broker yet; connecting", data: data),
        };
        return Task.FromResult(result);
    }

    // The bus's own reply endpoint: auto-deleted, and named after the machine and process.
    private static bool IsTemporary(Uri address) =>
        address.Query.Contains("temporary=true", StringComparison.OrdinalIgnoreCase)
        || address.Query.Contains("autodelete=true", StringComparison.OrdinalIgnoreCase);
}
