using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.AppHost;
using ReferralNetwork.AppHost.Infrastructure;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.EndToEndTests;

/// <summary>
/// The whole network started by the Aspire AppHost (PostgreSQL, RabbitMQ, four services and the
/// gateway, on free ports, data in a throwaway folder), called only through the gateway, as a
/// partner would. Subclasses choose the dashboard and the settings the tests need.
/// </summary>
public abstract class AspireNetwork : IAsyncLifetime
{
    /// <summary>How long the network may take to start and become healthy.</summary>
    protected virtual TimeSpan StartTimeout => TimeSpan.FromMinutes(4);

    private readonly string dataDirectory = Path.Combine("/var/tmp/referral-network-tests", "e2e-" + Guid.NewGuid().ToString("N")[..8]);
    private HttpClient? operatorClient;

    public DistributedApplication App { get; private set; } = null!;

    public HttpClient Gateway { get; private set; } = null!;

    public Uri GatewayUrl { get; private set; } = null!;

    public string OperatorClientSecret { get; private set; } = "";

    /// <summary>The names of the four services and the gateway, as resources: the programs on the broker and the event store.</summary>
    public static IReadOnlyList<string> Services { get; } = ["linkworkers", "communityproviders", "feedback", "referrals", "gateway"];

    protected virtual bool WithDashboard => false;

    /// <summary>More arguments for the AppHost's command line.</summary>
    protected virtual IEnumerable<string> Arguments => [];

    /// <summary>Settings for every service and the gateway, as environment variables.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ReferralNetwork_AppHost>(
            [
                "--data", dataDirectory,
                "--gateway-port", "0", "--service-port", "0",
                "--postgres-port", "0", "--rabbitmq-port", "0", "--rabbitmq-management-port", "0",
                "--dashboard-port", "0", "--otlp-port", "0",
                .. Arguments,
            ],
            (options, _) => options.DisableDashboard = !WithDashboard,
            timeout.Token);
        foreach (var service in appHost.Resources.OfType<ProjectResource>())
        {
            var resource = appHost.CreateResourceBuilder(service);
            foreach (var (key, value) in Settings)
            {
                resource.WithEnvironment(key, value);
            }
        }

        App = await appHost.BuildAsync(timeout.Token);
        await App.StartAsync(timeout.Token);
        await App.ResourceNotifications.WaitForResourceHealthyAsync("gateway", timeout.Token);
        GatewayUrl = App.GetEndpoint("gateway", "http");
        Gateway = new HttpClient { BaseAddress = GatewayUrl };
        OperatorClientSecret = await ParameterAsync("operator-client-secret");
    }

    public virtual async Task DisposeAsync()
    {
        Gateway?.Dispose();
        operatorClient?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover folder under /var/tmp is harmless.
        }
    }

    public IConfiguration Configuration => App.Services.GetRequiredService<IConfiguration>();

    public async Task<string> ParameterAsync(string name)
    {
        var parameter = (ParameterResource)Resource(name);
        return await parameter.GetValueAsync(CancellationToken.None) ?? throw new InvalidOperationException($"Parameter {name} has no value.");
    }

    /// <summary>Runs a resource command (Stop, Start, Restart, or one of ours) as the dashboard would.</summary>
    public Task<ExecuteCommandResult> CommandAsync(string resourceName, string command) =>
        App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(Resource(resourceName), command);

    /// <summary>The resource's state now (Running, Exited, …).</summary>
    public async Task<string?> StateAsync(string resourceName) =>
        (await App.ResourceNotifications.WaitForResourceAsync(resourceName, _ => true)).Snapshot.State?.Text;

    /// <summary>Every resource <see cref="AllHealthyAsync"/> waits for: PostgreSQL, RabbitMQ, each service, the gateway and the web app.</summary>
    protected virtual IEnumerable<string> WatchedResources => Services.Prepend("rabbitmq").Prepend("postgres").Append("webapp");

    /// <summary>
    /// Waits until PostgreSQL, RabbitMQ, every service and the gateway run and are healthy, through
    /// any crashes and restarts on the way (Aspire's own wait gives up at the first failed start).
    /// </summary>
    public async Task AllHealthyAsync(TimeSpan timeout)
    {
        using var waiting = new CancellationTokenSource(timeout);
        foreach (var name in WatchedResources)
        {
            await App.ResourceNotifications.WaitForResourceAsync(
                name,
                e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy,
                waiting.Token);
        }
    }

    /// <summary>The broker's queues, read through its management API as the AppHost's administrator.</summary>
    public async Task<BrokerQueueReading> QueuesAsync()
    {
        using var queues = new BrokerQueues(ManagementUrl, RabbitMqServerResource.UserName, await ParameterAsync("rabbitmq-password"));
        return await queues.ReadAsync();
    }

    /// <summary>
    /// The messages <paramref name="queue"/> holds, looked at and put back (the management API's get
    /// with requeue): a JSON array of messages, each with its <c>payload</c> and <c>properties</c>.
    /// </summary>
    public async Task<JsonElement> PeekAsync(string queue)
    {
        using var http = new HttpClient { BaseAddress = new Uri(ManagementUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RabbitMqServerResource.UserName}:{await ParameterAsync("rabbitmq-password")}")));
        return await Json.ReadAsync(await http.PostAsJsonAsync($"api/queues/%2F/{Uri.EscapeDataString(queue)}/get",
            new { count = 10_000, ackmode = "ack_requeue_true", encoding = "auto" }));
    }

    private string ManagementUrl => ((RabbitMqServerResource)Resource("rabbitmq")).Management.Url.TrimEnd('/') + "/";

    public IResource Resource(string name) =>
        App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name);

    public async Task<string> TokenAsync(string clientId, string clientSecret)
    {
        var response = await Gateway.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
        }));
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>The operator, signed in once.</summary>
    public async Task<HttpClient> OperatorAsync() =>
        operatorClient ??= await ClientAsync(await TokenAsync(NetworkModel.OperatorClientId, OperatorClientSecret));

    /// <summary>Registers an organisation through the operator API and returns a client signed in as it.</summary>
    public async Task<Partner> RegisterAsync(string name, string kind, string area)
    {
        var operatorClient = await OperatorAsync();
        var response = await operatorClient.PostAsJsonAsync("/api/admin/organisations", new { name, kind, area });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var id = body.RootElement.GetProperty("id").GetGuid();
        var token = await TokenAsync(body.RootElement.GetProperty("clientId").GetString()!, body.RootElement.GetProperty("clientSecret").GetString()!);
        return new Partner(id, name, await ClientAsync(token));
    }

    public virtual Task<HttpClient> ClientAsync(string token)
    {
        var client = new HttpClient { BaseAddress = GatewayUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Task.FromResult(client);
    }
}

/// <summary>
/// The network most end-to-end tests share, with the Aspire dashboard for the browser test, short
/// acknowledgement deadlines and quick webhook retries.
/// </summary>
public sealed class RunningNetwork : AspireNetwork
{
    protected override bool WithDashboard => true;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        // Deadlines short enough to watch an unacknowledged onward referral expire, long enough
        // that the other journeys acknowledge theirs first; webhook retries within seconds.
        ["Acknowledgement__RemindAfter"] = "00:00:20",
        ["Acknowledgement__EscalateAfter"] = "00:00:25",
        ["Acknowledgement__ExpireAfter"] = "00:00:30",
        ["Acknowledgement__CheckEvery"] = "00:00:01",
        ["Webhooks__FirstRetryAfter"] = "00:00:01",
        ["Webhooks__PollEvery"] = "00:00:01",
        // The tests' webhook receivers listen on loopback: an explicit relaxation, never the default.
        ["Webhooks__AllowLoopbackReceivers"] = "true",
        // Every test signs in several partners from one address.
        ["RateLimits__TokenPerMinute"] = "1000",
        // The web app's open pages ask for changes every second, so the browser tests wait less.
        ["Web__RefreshEvery"] = "00:00:01",
    };

    /// <summary>The Aspire dashboard's login address, with its browser token.</summary>
    public string DashboardLoginUrl => $"{DashboardUrl}login?t={Configuration["AppHost:BrowserToken"]}";

    /// <summary>Where the dashboard listens: the testing builder moves it to a free port.</summary>
    public Uri DashboardUrl => App.GetEndpoint("aspire-dashboard", "http");
}

public sealed record Partner(Guid Id, string Name, HttpClient Client);

[CollectionDefinition(Name)]
public sealed class RunningNetworkCollection : ICollectionFixture<RunningNetwork>
{
    public const string Name = "running network";
}
