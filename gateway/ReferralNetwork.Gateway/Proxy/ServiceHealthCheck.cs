using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.ServiceDefaults;
using Yarp.ReverseProxy;

namespace ReferralNetwork.Gateway.Proxy;

/// <summary>
/// The gateway is only as healthy as the services behind it: one check per cluster asks each of its
/// destinations' own /health and passes on what it said (database, broker, subscriptions with their
/// data), keyed by destination name, so the gateway's /health shows why a service is not healthy.
/// Health checks run concurrently, so a dead service costs one timeout.
/// </summary>
public sealed class ServiceHealthCheck(string clusterId, IProxyStateLookup proxy, IHttpClientFactory clients) : IHealthCheck
{
    public const string HttpClientName = "service-health";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!proxy.TryGetCluster(clusterId, out var cluster) || cluster.Destinations.IsEmpty)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "no destination configured");
        }

        var client = clients.CreateClient(HttpClientName);
        var answers = await Task.WhenAll(cluster.Destinations.Select(async destination =>
        {
            var address = new Uri($"{destination.Value.Model.Config.Address.TrimEnd('/')}/health");
            return (Name: destination.Key, Answer: await AskAsync(client, address, cancellationToken));
        }));

        var data = answers.ToDictionary(a => a.Name, a => (object)new
        {
            status = HealthReportWriter.Name(a.Answer.Status),
            checks = a.Answer.Checks,
        });
        var healthy = answers.Count(a => a.Answer.Status == HealthStatus.Healthy);
        var description = $"{healthy} of {answers.Length} instance(s) healthy";

        // One instance that answers can carry the traffic (YARP balances over the rest), so the best one counts.
        return answers.Max(a => a.Answer.Status) switch
        {
            HealthStatus.Healthy => HealthCheckResult.Healthy(description, data),
            HealthStatus.Degraded => HealthCheckResult.Degraded(description, data: data),
            _ => new HealthCheckResult(context.Registration.FailureStatus, description, data: data),
        };
    }

    private static async Task<InstanceHealth> AskAsync(HttpClient client, Uri address, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(address, cancellationToken);
            var (status, checks) = await ReadReportAsync(response, cancellationToken);
            // 200 is healthy or degraded (the report says which); anything else is not ready.
            return new InstanceHealth(
                !response.IsSuccessStatusCode ? HealthStatus.Unhealthy : status == "degraded" ? HealthStatus.Degraded : HealthStatus.Healthy,
                checks);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return new InstanceHealth(HealthStatus.Unhealthy, null);
        }
    }

    /// <summary>A service's health report: its status and its checks; nulls when the body is not one (a proxy's error page).</summary>
    private static async Task<(string? Status, JsonElement? Checks)> ReadReportAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var report = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            var root = report.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            var status = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            var checks = root.TryGetProperty("checks", out var c) && c.ValueKind == JsonValueKind.Object ? c.Clone() : (JsonElement?)null;
            return (status, checks);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private sealed record InstanceHealth(HealthStatus Status, JsonElement? Checks);
}
