using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Npgsql;

namespace ReferralNetwork.EndToEndTests;

/// <summary>
/// The network beyond one instance (issue 16), started as the README says with <c>--instances 2 --broker-nodes 3</c>:
/// two instances of every service and of the gateway on a three-node RabbitMQ cluster. Partners reach the
/// gateways through <see cref="GatewayBalancer"/>, as they would through a load balancer.
/// </summary>
public sealed class ScaledNetwork : FaultNetwork
{
    public const int Instances = 2;

    /// <summary>Each service's database, where its leader lock is taken.</summary>
    public static IReadOnlyList<string> Databases { get; } = ["referralsdb", "linkworkersdb", "providersdb", "feedbackdb", "gatewaydb"];

    public static IReadOnlyList<string> BrokerNodes { get; } = ["rabbitmq", "rabbitmq-2", "rabbitmq-3"];

    /// <summary>Every instance of the services and the gateway, by resource name.</summary>
    public static IReadOnlyList<string> ServiceInstances { get; } =
        [.. Services.SelectMany(s => Enumerable.Range(1, Instances).Select(i => i == 1 ? s : $"{s}-{i}"))];

    protected override TimeSpan StartTimeout => TimeSpan.FromMinutes(8);

    protected override IEnumerable<string> Arguments => [.. base.Arguments, "--instances", $"{Instances}", "--broker-nodes", "3"];

    protected override IEnumerable<string> WatchedResources => ["postgres", .. BrokerNodes, .. ServiceInstances, "webapp"];

    public Uri[] GatewayUrls => [GatewayUrl, App.GetEndpoint("gateway-2", "http")];

    public override Task<HttpClient> ClientAsync(string token)
    {
        var client = new HttpClient(new GatewayBalancer(GatewayUrls)) { BaseAddress = GatewayUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Task.FromResult(client);
    }

    /// <summary>The instance whose process is <paramref name="pid"/>.</summary>
    public async Task<string> InstanceOfProcessAsync(int pid)
    {
        foreach (var instance in ServiceInstances)
        {
            if (await ProcessOfAsync(instance) == pid)
            {
                return instance;
            }
        }
        throw new InvalidOperationException($"No instance of a service runs as process {pid}.");
    }
}

/// <summary>
/// Stands in for the load balancer in front of the gateway's instances: each request goes to the next gateway,
/// and to another when one refuses the connection (nothing was sent, so nothing can happen twice).
/// </summary>
public sealed class GatewayBalancer(IReadOnlyList<Uri> gateways) : DelegatingHandler(new SocketsHttpHandler())
{
    private int next;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var first = Interlocked.Increment(ref next);
        for (var attempt = 0; ; attempt++)
        {
            var gateway = gateways[(first + attempt) % gateways.Count];
            request.RequestUri = new UriBuilder(request.RequestUri!) { Scheme = gateway.Scheme, Host = gateway.Host, Port = gateway.Port }.Uri;
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && attempt < gateways.Count - 1)
            {
                // Refused: that gateway is down; the next one.
            }
        }
    }
}

/// <summary>
/// Which process holds each service's leader lock, sampled from PostgreSQL twice a second (pg_locks, and the
/// holder's process id in its session's application name): two holders at once would be two daemons.
/// </summary>
public sealed class LeaderWatch : IAsyncDisposable
{
    private const string HolderQuery = """
        select a.application_name
        from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted
          and l.database = (select oid from pg_database where datname = current_database())
          and a.application_name like 'referral-network-leader-lock %'
        """;

    private readonly List<(TimeSpan At, string Database, int[] Holders)> samples = [];
    private readonly Dictionary<string, int> mostLeading = [];
    private readonly HttpClient health = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly CancellationTokenSource stopping = new();
    private readonly Task sampling;

    private LeaderWatch(IReadOnlyDictionary<string, string> connectionStrings, IReadOnlyDictionary<string, Uri[]> instances, Stopwatch clock) =>
        sampling = Task.Run(async () =>
        {
            while (!stopping.IsCancellationRequested)
            {
                foreach (var (database, connectionString) in connectionStrings)
                {
                    if (await HoldersAsync(connectionString) is { } holders)
                    {
                        lock (samples)
                        {
                            samples.Add((clock.Elapsed, database, holders));
                        }
                    }
                }
                // And what each instance says of itself: two saying they do the work would be two daemons.
                foreach (var (service, addresses) in instances)
                {
                    var leading = (await Task.WhenAll(addresses.Select(LeadingAsync))).Count(l => l);
                    lock (samples)
                    {
                        mostLeading[service] = Math.Max(mostLeading.GetValueOrDefault(service), leading);
                    }
                }
                await Task.Delay(500);
            }
        });

    public static async Task<LeaderWatch> StartAsync(AspireNetwork network, Stopwatch clock)
    {
        var connectionStrings = new Dictionary<string, string>();
        foreach (var database in ScaledNetwork.Databases)
        {
            connectionStrings[database] = await network.App.GetConnectionStringAsync(database)
                ?? throw new InvalidOperationException($"No connection string for {database}.");
        }
        var instances = AspireNetwork.Services.ToDictionary(
            service => service,
            service => ScaledNetwork.ServiceInstances.Where(i => i == service || i.StartsWith(service + "-", StringComparison.Ordinal))
                .Select(i => network.App.GetEndpoint(i, "http")).ToArray());
        return new LeaderWatch(connectionStrings, instances, clock);
    }

    /// <summary>The most instances of <paramref name="service"/> that said at once that they do its background work.</summary>
    public int MostLeading(string service)
    {
        lock (samples)
        {
            return mostLeading.GetValueOrDefault(service);
        }
    }

    public int SampleCount
    {
        get
        {
            lock (samples)
            {
                return samples.Count;
            }
        }
    }

    /// <summary>The most processes seen holding <paramref name="database"/>'s lock at once.</summary>
    public int MostHolders(string database) => Of(database).Select(s => s.Holders.Length).DefaultIfEmpty(0).Max();

    /// <summary>The latest holder of <paramref name="database"/>'s lock, once one holds it.</summary>
    public async Task<int> LeaderAsync(string database, TimeSpan timeout)
    {
        var giveUp = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < giveUp)
        {
            if (Of(database).LastOrDefault() is { Holders: [var holder] })
            {
                return holder;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"Nobody held {database}'s leader lock for {timeout}.");
    }

    /// <summary>When, after <paramref name="since"/>, a process other than <paramref name="former"/> first held the lock.</summary>
    public TimeSpan? TakenOver(string database, int former, TimeSpan since) =>
        Of(database).Where(s => s.At > since && s.Holders.Length > 0 && !s.Holders.Contains(former)).Select(s => (TimeSpan?)s.At).FirstOrDefault();

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await sampling;
        stopping.Dispose();
        health.Dispose();
    }

    /// <summary>Whether the instance's /health says it does the background work; false when it does not answer.</summary>
    private async Task<bool> LeadingAsync(Uri instance)
    {
        try
        {
            using var report = JsonDocument.Parse(await health.GetStringAsync(new Uri(instance, "/health")));
            return report.RootElement.GetProperty("checks").GetProperty("background-work").GetProperty("data").GetProperty("leading").GetBoolean();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return false;
        }
    }

    private List<(TimeSpan At, string Database, int[] Holders)> Of(string database)
    {
        lock (samples)
        {
            return samples.Where(s => s.Database == database).ToList();
        }
    }

    /// <summary>The holders' process ids; null when the database did not answer (it is not what is measured).</summary>
    private static async Task<int[]?> HoldersAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var query = new NpgsqlCommand(HolderQuery, connection);
            var holders = new List<int>();
            await using var reader = await query.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                holders.Add(int.Parse(reader.GetString(0).Split(' ')[^1], CultureInfo.InvariantCulture));
            }
            return [.. holders];
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
        {
            return null;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ScaledNetworkCollection : ICollectionFixture<ScaledNetwork>
{
    public const string Name = "scaled network";
}
