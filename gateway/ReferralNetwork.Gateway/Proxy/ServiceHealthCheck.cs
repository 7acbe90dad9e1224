using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;

namespace ReferralNetwork.Gateway.Proxy;

/// <summary>
/// The gateway is only as healthy as the services behind it: one check per cluster asks each of its
/// destinations' own /health. Health checks run concurrently, so a dead service costs one timeout.
/// </summary>
public sealed class ServiceHealthCheck(string clusterId, IProxyStateLookup proxy, IHttpClientFactory clients) : IHealthCheck
{
    public const string HttpClientName = "service-health";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!proxy.TryGetCluster(clusterId, out var cluster) || cluster.Destinations.IsEmpty)
        {
            return HealthCheckResult.Unhealthy("no destination configured");
        }

        var client = clients.CreateClient(HttpClientName);
        var answers = await Task.WhenAll(cluster.Destinations.Values.Select(async destination =>
        {
            var address = new Uri($"{destination.Model.Config.Address.TrimEnd('/')}/health");
            try
            {
                using var response = await client.GetAsync(address, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                return response.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }));

        // One healthy instance can carry the traffic; YARP balances over the rest.
        return answers.Any(ok => ok)
            ? HealthCheckResult.Healthy($"{answers.Count(ok => ok)} of {answers.Length} instance(s) healthy")
            : HealthCheckResult.Unhealthy("not answering healthy");
    }
}
