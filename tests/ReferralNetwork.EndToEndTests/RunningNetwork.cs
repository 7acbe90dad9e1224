using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.EndToEndTests;

/// <summary>
/// The whole network started by the AppHost's own code (PostgreSQL, RabbitMQ, four services and the
/// gateway as child processes on free ports), called only through the gateway, as a partner would.
/// </summary>
public sealed class RunningNetwork : IAsyncLifetime
{
    private readonly string dataDirectory = Path.Combine("/var/tmp/referral-network-tests", "e2e-" + Guid.NewGuid().ToString("N")[..8]);

    private HttpClient? operatorClient;

    public ReferralNetworkHost Host { get; private set; } = null!;

    public HttpClient Gateway { get; private set; } = null!;

    /// <summary>The AppHost's dashboard (its JSON API under /api/).</summary>
    public HttpClient Dashboard { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var configuration = typeof(RunningNetwork).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        Host = await ReferralNetworkHost.StartAsync(new NetworkOptions
        {
            DataDirectory = dataDirectory,
            RepositoryRoot = NetworkOptions.FindRepositoryRoot(AppContext.BaseDirectory),
            Configuration = configuration,
            GatewayPort = LoopbackPorts.FindFree(),
            PostgresPort = LoopbackPorts.FindFree(),
            RabbitMqPort = LoopbackPorts.FindFree(),
            RabbitMqManagementPort = 0,
            FirstServicePort = FreeRunOfPorts(4),
            // Free ports: the dashboard's JSON API is how the telemetry tests read received spans.
            DashboardPort = 0,
            OtlpPort = 0,
            OperatorClientSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)),
            // Deadlines short enough to watch an unacknowledged onward referral expire, long enough
            // that the other journeys acknowledge theirs first; webhook retries within seconds.
            ExtraEnvironment = new Dictionary<string, string>
            {
                ["Acknowledgement__RemindAfter"] = "00:00:20",
                ["Acknowledgement__EscalateAfter"] = "00:00:25",
                ["Acknowledgement__ExpireAfter"] = "00:00:30",
                ["Acknowledgement__CheckEvery"] = "00:00:01",
                ["Webhooks__FirstRetryAfter"] = "00:00:01",
                ["Webhooks__PollEvery"] = "00:00:01",
                // The test's webhook receiver listens on loopback, which the referral service refuses unless told.
                ["Webhooks__AllowPrivateAddresses"] = "true",
                // Every test signs in several partners from one address.
                ["RateLimits__TokenPerMinute"] = "1000",
            },
        });
        Gateway = new HttpClient { BaseAddress = new Uri(Host.GatewayUrl) };
        Dashboard = new HttpClient { BaseAddress = new Uri(Host.DashboardUrl!) };
    }

    public async Task DisposeAsync()
    {
        Gateway.Dispose();
        Dashboard.Dispose();
        await Host.DisposeAsync();
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover folder under /var/tmp is harmless.
        }
    }

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
        operatorClient ??= await ClientAsync(await TokenAsync(ReferralNetworkHost.OperatorClientId, Host.OperatorClientSecret));

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

    public Task<HttpClient> ClientAsync(string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(Host.GatewayUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Task.FromResult(client);
    }

    private static int FreeRunOfPorts(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var first = Random.Shared.Next(20_000, 40_000);
            if (Enumerable.Range(first, count).All(LoopbackPorts.IsFree))
            {
                return first;
            }
        }

        throw new InvalidOperationException($"No run of {count} free loopback ports found.");
    }
}

public sealed record Partner(Guid Id, string Name, HttpClient Client);

[CollectionDefinition(Name)]
public sealed class RunningNetworkCollection : ICollectionFixture<RunningNetwork>
{
    public const string Name = "running network";
}
