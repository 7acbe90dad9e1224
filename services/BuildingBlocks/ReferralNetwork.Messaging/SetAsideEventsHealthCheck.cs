using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ReferralNetwork.Messaging;

/// <summary>
/// Degraded while the relay has set events aside as unpublished: their consumers never heard of them,
/// which an operator must look into (the log names each event and why), though the service still works.
/// </summary>
public sealed class SetAsideEventsHealthCheck(IDocumentStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var session = store.QuerySession();
        var setAside = await session.Query<UnpublishedEvent>().CountAsync(cancellationToken);
        return setAside == 0
            ? HealthCheckResult.Healthy("every event published")
            : HealthCheckResult.Degraded($"{setAside} event(s) set aside as unpublished", data: new Dictionary<string, object> { ["setAside"] = setAside });
    }
}
