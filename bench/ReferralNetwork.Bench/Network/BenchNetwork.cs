using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.AppHost;
using ReferralNetwork.AppHost.Infrastructure;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.Bench.Network;

/// <summary>
/// The whole network on its embedded default (local PostgreSQL and RabbitMQ, every service and the
/// gateway) started through the AppHost in this process, on free ports and a data folder of its own, as
/// the end-to-end tests start it. Only the gateway's per-partner rate limit is raised, so the load is not refused.
/// </summary>
public sealed class BenchNetwork : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    private readonly string dataDirectory;
    private DistributedApplication? app;

    private BenchNetwork(string dataDirectory) => this.dataDirectory = dataDirectory;

    public Uri GatewayUrl { get; private set; } = null!;

    /// <summary>The referral service's own address: what partners would call without the gateway.</summary>
    public Uri ReferralServiceUrl { get; private set; } = null!;

    /// <summary>What marks this network's processes apart from any other on the machine (see <see cref="NetworkProcesses"/>).</summary>
    public IReadOnlyList<string> ProcessMarks { get; private set; } = [];

    public static async Task<BenchNetwork> StartAsync(CancellationToken ct)
    {
        // Under /var/tmp, as the end-to-end tests keep theirs: run as root, PostgreSQL runs as the postgres user,
        // which cannot reach a folder under /tmp that CreateTempSubdirectory makes for root alone.
        var data = Directory.CreateDirectory(Path.Combine("/var/tmp/referral-network-bench", Guid.NewGuid().ToString("N")[..8]));
        var network = new BenchNetwork(data.FullName);
        try
        {
            await network.StartAppHostAsync(ct);
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    private async Task StartAppHostAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StartTimeout);
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ReferralNetwork_AppHost>(
            [
                "--data", dataDirectory,
                "--gateway-port", "0", "--service-port", "0",
                "--postgres-port", "0", "--rabbitmq-port", "0", "--rabbitmq-management-port", "0",
                "--dashboard-port", "0", "--otlp-port", "0",
            ],
            (options, _) => options.DisableDashboard = true,
            timeout.Token);
        var gateway = appHost.CreateResourceBuilder(appHost.Resources.OfType<ProjectResource>().Single(r => r.Name == "gateway"));
        // A bulk-referring practice is one partner: the default (600 a minute) would refuse the load.
        gateway.WithEnvironment("RateLimits__PerPartnerPerMinute", "10000000");
        gateway.WithEnvironment("RateLimits__TokenPerMinute", "10000");

        app = await appHost.BuildAsync(timeout.Token);
        await app.StartAsync(timeout.Token);
        foreach (var name in (string[])["postgres", "rabbitmq", "linkworkers", "communityproviders", "feedback", "referrals", "gateway"])
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token);
        }

        GatewayUrl = app.GetEndpoint("gateway", "http");
        ReferralServiceUrl = app.GetEndpoint("referrals", "http");
        var databasePort = new Npgsql.NpgsqlConnectionStringBuilder(await ConnectionStringAsync("referralsdb")).Port;
        ProcessMarks = [dataDirectory, "Port=" + databasePort.ToString(System.Globalization.CultureInfo.InvariantCulture) + ";"];
    }

    private DistributedApplication App => app ?? throw new InvalidOperationException("The network has not started.");

    public async Task<string> ConnectionStringAsync(string database) =>
        await App.GetConnectionStringAsync(database) ?? throw new InvalidOperationException($"No connection string for {database}.");

    public async Task<string> ParameterAsync(string name)
    {
        var parameter = (ParameterResource)Resource(name);
        return await parameter.GetValueAsync(CancellationToken.None) ?? throw new InvalidOperationException($"Parameter {name} has no value.");
    }

    /// <summary>A reader of the broker's queues through its management API, as the AppHost's administrator.</summary>
    public async Task<BrokerQueues> QueuesReaderAsync() =>
        new(((RabbitMqServerResource)Resource("rabbitmq")).Management.Url.TrimEnd('/') + "/", RabbitMqServerResource.UserName, await ParameterAsync("rabbitmq-password"));

    /// <summary>The PostgreSQL and broker counters of work done (commits, messages).</summary>
    public async Task<Intake.WorkCounters> WorkCountersAsync() =>
        new(await ConnectionStringAsync("referralsdb"), ((RabbitMqServerResource)Resource("rabbitmq")).Management.Url.TrimEnd('/') + "/",
            RabbitMqServerResource.UserName, await ParameterAsync("rabbitmq-password"));

    /// <summary>A token from the gateway's token endpoint (client credentials).</summary>
    public async Task<string> TokenAsync(string clientId, string clientSecret, CancellationToken ct)
    {
        using var gateway = new HttpClient { BaseAddress = GatewayUrl };
        using var response = await gateway.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
        }), ct);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return body.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Registers an organisation as the operator and signs in as it; returns its id and token.</summary>
    public async Task<(Guid Id, string Token)> RegisterAsync(string name, string kind, string area, CancellationToken ct)
    {
        using var operatorClient = new HttpClient { BaseAddress = GatewayUrl };
        operatorClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", await TokenAsync(NetworkModel.OperatorClientId, await ParameterAsync("operator-client-secret"), ct));
        using var response = await operatorClient.PostAsJsonAsync("/api/admin/organisations", new { name, kind, area }, ct);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var id = body.RootElement.GetProperty("id").GetGuid();
        return (id, await TokenAsync(body.RootElement.GetProperty("clientId").GetString()!, body.RootElement.GetProperty("clientSecret").GetString()!, ct));
    }

    private IResource Resource(string name) =>
        App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name);

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder left under the temp directory is harmless.
        }
    }
}
