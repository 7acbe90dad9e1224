using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ReferralNetwork.Hosting.Dashboard;
using ReferralNetwork.Hosting.Telemetry;

namespace ReferralNetwork.Hosting;

/// <summary>
/// The whole local referral network: PostgreSQL, RabbitMQ, the four services and the gateway,
/// started in dependency order and stopped in reverse. Used by the AppHost and the end-to-end tests.
/// </summary>
public sealed class ReferralNetworkHost : IAsyncDisposable
{
    public const string OperatorClientId = "operator";

    /// <summary>
    /// Start order: consumers before producers (a message published before its consumer's queue
    /// exists is lost), the gateway last because it fronts them all.
    /// </summary>
    private static readonly NetworkService[] StartOrder =
    [
        new("linkworkers", "services/LinkWorkers", "ReferralNetwork.LinkWorkers", "linkworkersdb", 1),
        new("communityproviders", "services/CommunityProviders", "ReferralNetwork.CommunityProviders", "providersdb", 2),
        new("feedback", "services/Feedback", "ReferralNetwork.Feedback", "feedbackdb", 3),
        new("referrals", "services/Referrals", "ReferralNetwork.Referrals", "referralsdb", 0),
        new("gateway", "gateway", "ReferralNetwork.Gateway", "gatewaydb", null),
    ];

    /// <summary>Clusters in the gateway's reverse-proxy configuration, one per service.</summary>
    private static readonly string[] ProxiedServices = ["referrals", "linkworkers", "communityproviders", "feedback"];

    private readonly Dictionary<string, ServiceProcess> services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> databaseConnectionStrings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> servicePorts = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private readonly Lock logGate = new();
    private StreamWriter? logFile;
    private bool started;
    private DateTimeOffset? infrastructureStartedAt;
    private OtlpReceiver? otlpReceiver;
    private DashboardServer? dashboard;
    private BrokerQueues? brokerQueues;

    public ReferralNetworkHost(NetworkOptions options)
    {
        Options = options with
        {
            DataDirectory = Path.GetFullPath(options.DataDirectory),
            RepositoryRoot = Path.GetFullPath(options.RepositoryRoot),
        };
    }

    /// <summary>The services in start order.</summary>
    public static IReadOnlyList<string> ServiceNames { get; } = [.. StartOrder.Select(s => s.Name)];

    /// <summary>The databases created, one per service and one for the gateway.</summary>
    public static IReadOnlyList<string> DatabaseNames { get; } = [.. StartOrder.Select(s => s.Database)];

    public NetworkOptions Options { get; }

    public string GatewayUrl => ServiceUrl("gateway");

    public string OperatorClientSecret { get; private set; } = "";

    /// <summary>Our own PostgreSQL; null when an external one is used.</summary>
    public PostgresServer? PostgresServer { get; private set; }

    /// <summary>Our own RabbitMQ; null when an external one is used.</summary>
    public RabbitMqBroker? RabbitMqBroker { get; private set; }

    public string RabbitMqConnectionString { get; private set; } = "";

    /// <summary>Our RabbitMQ's management UI, e.g. <c>http://127.0.0.1:55673/</c>; null for an external broker or without the plugin.</summary>
    public string? RabbitMqManagementUrl => RabbitMqBroker?.ManagementUrl;

    /// <summary>Npgsql connection strings by database name (referralsdb, linkworkersdb, …).</summary>
    public IReadOnlyDictionary<string, string> DatabaseConnectionStrings => databaseConnectionStrings;

    /// <summary>The service processes by name (referrals, linkworkers, communityproviders, feedback, gateway).</summary>
    public IReadOnlyDictionary<string, ServiceProcess> Services => services;

    public TokenSigningKey? SigningKey { get; private set; }

    /// <summary>Spans and log records the services exported to our OTLP receiver.</summary>
    public TelemetryStore Telemetry { get; } = new();

    /// <summary>The operators' dashboard, e.g. <c>http://127.0.0.1:18888</c>; null when it is switched off.</summary>
    public string? DashboardUrl => dashboard?.Url;

    /// <summary>Where the services send OTLP: our own receiver, an endpoint given in the options, or none.</summary>
    public string? OtlpEndpoint => Options.OtlpEndpoint ?? otlpReceiver?.Endpoint;

    /// <summary>Every line of output from this run, timestamped.</summary>
    public string LogFilePath => Path.Combine(Options.DataDirectory, "logs", "network.log");

    /// <summary>Starts a network and returns it running; on failure everything started is stopped again.</summary>
    public static async Task<ReferralNetworkHost> StartAsync(NetworkOptions options, CancellationToken cancellationToken = default)
    {
        var host = new ReferralNetworkHost(options);
        await host.StartAsync(cancellationToken);
        return host;
    }

    public string ServiceUrl(string name) =>
        servicePorts.TryGetValue(name, out var port)
            ? $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"
            : throw new KeyNotFoundException($"No service named '{name}' (or the network has not been started).");

    /// <summary>
    /// Starts PostgreSQL and RabbitMQ, creates the databases, prepares the signing key and operator
    /// secret, then each service in dependency order, each healthy before the next starts.
    /// When anything fails (or is cancelled) everything already started is stopped and the error rethrown.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (started)
            {
                throw new InvalidOperationException("This network has already been started; create a new host to start again.");
            }
            started = true;
            OpenLogFile();
        }
        finally
        {
            lifecycle.Release();
        }

        try
        {
            AssignPorts();
            var dlls = StartOrder.ToDictionary(s => s.Name, DllPathOf);
            var missing = dlls.Where(d => !File.Exists(d.Value)).Select(d => "  " + d.Value).ToList();
            if (missing.Count > 0)
            {
                throw new FileNotFoundException(
                    $"Service build outputs are missing; build first: dotnet build -c {Options.Configuration}{Environment.NewLine}{string.Join(Environment.NewLine, missing)}");
            }

            await StartDashboardAsync(cancellationToken);
            await StartInfrastructureAsync(cancellationToken);
            SigningKey = TokenSigningKey.LoadOrCreate(Path.Combine(Options.DataDirectory, "keys"));
            OperatorClientSecret = Options.OperatorClientSecret ?? LoadOrCreateOperatorSecret();

            foreach (var definition in StartOrder)
            {
                var service = CreateService(definition, dlls[definition.Name]);
                await ServiceProcess.StopLeftRunningAsync(service.PidFile!, service.DllPath, line => Log("[apphost] " + line));
                var port = servicePorts[definition.Name];
                if (!LoopbackPorts.IsFree(port))
                {
                    throw new InvalidOperationException(
                        $"Port {port} for {definition.Name} is already in use on 127.0.0.1 (another network running?); choose other ports.");
                }
                services[definition.Name] = service;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await service.StartAsync(cancellationToken);
                await service.WaitForHealthyAsync(Options.HealthTimeout, cancellationToken);
                Log($"[apphost] {definition.Name} healthy at {service.Url} after {clock.Elapsed.TotalSeconds:0.0} s");
            }
            Log($"[apphost] network running; gateway at {GatewayUrl}");
        }
        catch (Exception e)
        {
            Log(e is OperationCanceledException && cancellationToken.IsCancellationRequested
                ? "[apphost] start-up cancelled; stopping what was started"
                : $"[apphost] start-up failed: {e.Message}");
            await StopAsync();
            throw;
        }
    }

    /// <summary>Stops the service and starts it again, waiting until it is healthy.</summary>
    public async Task RestartServiceAsync(string name, CancellationToken cancellationToken = default)
    {
        var service = ServiceNamed(name);
        await service.RestartAsync(cancellationToken);
        await service.WaitForHealthyAsync(Options.HealthTimeout, cancellationToken);
    }

    /// <summary>Starts a stopped service again, waiting until it is healthy.</summary>
    public async Task StartServiceAsync(string name, CancellationToken cancellationToken = default)
    {
        var service = ServiceNamed(name);
        await service.StartAsync(cancellationToken);
        await service.WaitForHealthyAsync(Options.HealthTimeout, cancellationToken);
    }

    /// <summary>Stops a service; it stays stopped (no crash restarts) until started again.</summary>
    public Task StopServiceAsync(string name) => ServiceNamed(name).StopAsync();

    /// <summary>PostgreSQL and RabbitMQ as the dashboard lists them.</summary>
    public IReadOnlyList<InfrastructureResource> Infrastructure()
    {
        static string StateOf(bool running) => running ? "running" : "stopped";
        return
        [
            PostgresServer is { } postgres
                ? new InfrastructureResource("postgres", "postgres", StateOf(postgres.IsRunning), $"postgresql://127.0.0.1:{postgres.Port}", postgres.Port, postgres.ProcessId, infrastructureStartedAt)
                : new InfrastructureResource("postgres", "postgres", Options.ExternalPostgres is null ? "not-started" : "external", null, null, null, null),
            RabbitMqBroker is { } broker
                ? new InfrastructureResource("rabbitmq", "rabbitmq", StateOf(broker.IsRunning), broker.ManagementUrl ?? $"amqp://127.0.0.1:{broker.Port}", broker.Port, broker.ProcessId, infrastructureStartedAt)
                : new InfrastructureResource("rabbitmq", "rabbitmq", Options.ExternalRabbitMq is null ? "not-started" : "external", null, null, null, null),
        ];
    }

    /// <summary>
    /// Our RabbitMQ's queues with their depths, <c>_error</c> and <c>_skipped</c> ones included, from its
    /// management API. Never throws for a broker that is down, restarting or not ours: the reading then
    /// says so (<see cref="BrokerQueueReadStatus.Unreachable"/> or <see cref="BrokerQueueReadStatus.NotAvailable"/>).
    /// </summary>
    public async Task<BrokerQueueReading> ReadBrokerQueuesAsync(CancellationToken cancellationToken = default)
    {
        if (RabbitMqBroker is not { } broker)
        {
            return BrokerQueueReading.NotAvailable(Options.ExternalRabbitMq is null
                ? "RabbitMQ has not been started"
                : "an external RabbitMQ is used; its queues are not read");
        }
        if (broker.ManagementUrl is null)
        {
            return BrokerQueueReading.NotAvailable("RabbitMQ runs without its management plugin (no management port)");
        }
        if (!broker.IsRunning)
        {
            return BrokerQueueReading.Unreachable("RabbitMQ is not running (stopped, or restarting)");
        }
        if (brokerQueues is not { } reader)
        {
            return BrokerQueueReading.Unreachable("RabbitMQ is starting");
        }
        return await reader.ReadAsync(cancellationToken);
    }

    /// <summary>The kept console output of a service, PostgreSQL or RabbitMQ; null for an unknown name.</summary>
    public IReadOnlyList<string>? ConsoleLines(string name) => name switch
    {
        "postgres" => PostgresServer?.RecentLogLines ?? [],
        "rabbitmq" => RabbitMqBroker?.RecentLogLines ?? [],
        _ => services.TryGetValue(name, out var service) ? service.RecentLogLines : null,
    };

    /// <summary>Stops the gateway and services in reverse start order, then RabbitMQ and PostgreSQL.</summary>
    public async Task StopAsync()
    {
        await lifecycle.WaitAsync();
        try
        {
            foreach (var definition in StartOrder.Reverse())
            {
                if (services.TryGetValue(definition.Name, out var service))
                {
                    await service.StopAsync();
                }
            }
            var infrastructure = new List<Task>();
            if (RabbitMqBroker is not null)
            {
                infrastructure.Add(RabbitMqBroker.StopAsync());
            }
            if (PostgresServer is not null)
            {
                infrastructure.Add(PostgresServer.StopAsync());
            }
            await Task.WhenAll(infrastructure);
            // Last, so the dashboard shows the network going down and the final exports arrive.
            if (dashboard is not null)
            {
                await dashboard.DisposeAsync();
                dashboard = null;
            }
            if (otlpReceiver is not null)
            {
                await otlpReceiver.DisposeAsync();
                otlpReceiver = null;
            }
            // After the dashboard, which is what reads it.
            brokerQueues?.Dispose();
            brokerQueues = null;
            if (logFile is not null)
            {
                Log("[apphost] network stopped");
            }
            lock (logGate)
            {
                logFile?.Dispose();
                logFile = null;
            }
        }
        finally
        {
            lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private void AssignPorts()
    {
        // Port 0 means "any free port"; all are chosen up front so none collide with each other.
        var taken = new List<int>();
        int Resolve(int requested)
        {
            var port = requested == 0 ? LoopbackPorts.FindFree(taken) : requested;
            taken.Add(port);
            return port;
        }
        foreach (var definition in StartOrder.Where(s => s.PortOffset is not null))
        {
            servicePorts[definition.Name] = Options.FirstServicePort == 0
                ? Resolve(0)
                : Resolve(Options.FirstServicePort + definition.PortOffset!.Value);
        }
        servicePorts["gateway"] = Resolve(Options.GatewayPort);
        servicePorts["postgres"] = Options.ExternalPostgres is null ? Resolve(Options.PostgresPort) : 0;
        servicePorts["rabbitmq"] = Options.ExternalRabbitMq is null ? Resolve(Options.RabbitMqPort) : 0;
        if (Options.ExternalRabbitMq is null && Options.RabbitMqManagementPort is { } managementPort)
        {
            servicePorts["rabbitmq-management"] = Resolve(managementPort);
        }
    }

    /// <summary>
    /// The OTLP receiver (unless telemetry goes elsewhere) and the dashboard start first, so an
    /// operator can watch the rest of the start-up.
    /// </summary>
    private async Task StartDashboardAsync(CancellationToken cancellationToken)
    {
        if (Options.OtlpEndpoint is null && Options.OtlpPort is { } otlpPort)
        {
            otlpReceiver = new OtlpReceiver(Telemetry, otlpPort, Log);
            await otlpReceiver.StartAsync(cancellationToken);
            Log($"[apphost] OTLP receiver at {otlpReceiver.Endpoint} (http/protobuf)");
        }
        if (Options.DashboardPort is { } dashboardPort)
        {
            dashboard = new DashboardServer(this, Telemetry, dashboardPort, Log);
            await dashboard.StartAsync(cancellationToken);
            Log($"[apphost] dashboard at {dashboard.Url}");
        }
    }

    private async Task StartInfrastructureAsync(CancellationToken cancellationToken)
    {
        infrastructureStartedAt = DateTimeOffset.UtcNow;
        // Both take seconds (RabbitMQ ≈ 9 s), so they start side by side.
        var postgres = Options.ExternalPostgres is null
            ? PostgresServer.StartAsync(Path.Combine(Options.DataDirectory, "postgres"), servicePorts["postgres"], Log, cancellationToken)
            : Task.FromResult<PostgresServer>(null!);
        int? managementPort = servicePorts.TryGetValue("rabbitmq-management", out var management) ? management : null;
        var rabbitMq = Options.ExternalRabbitMq is null
            ? RabbitMqBroker.StartAsync(Path.Combine(Options.DataDirectory, "rabbitmq"), servicePorts["rabbitmq"], managementPort, Log, cancellationToken)
            : Task.FromResult<RabbitMqBroker>(null!);
        try
        {
            await Task.WhenAll(postgres, rabbitMq);
        }
        finally
        {
            // Keep whichever did start, so StopAsync stops it when the other failed.
            PostgresServer = postgres.IsCompletedSuccessfully ? postgres.Result : null;
            RabbitMqBroker = rabbitMq.IsCompletedSuccessfully ? rabbitMq.Result : null;
        }
        if (RabbitMqBroker?.ManagementUrl is not null)
        {
            brokerQueues = BrokerQueues.For(RabbitMqBroker);
            Log($"[apphost] RabbitMQ management at {RabbitMqBroker.ManagementUrl}");
        }

        var serverConnectionString = Options.ExternalPostgres ?? PostgresServer!.ConnectionString("postgres");
        await Task.WhenAll(DatabaseNames.Select(d => PostgresServer.EnsureDatabaseOnServerAsync(serverConnectionString, d, cancellationToken)));
        foreach (var database in DatabaseNames)
        {
            databaseConnectionStrings[database] = PostgresServer.ConnectionStringFor(serverConnectionString, database);
        }
        RabbitMqConnectionString = Options.ExternalRabbitMq ?? RabbitMqBroker!.ConnectionString;
        Log($"[apphost] databases ready: {string.Join(", ", DatabaseNames)}");
    }

    private ServiceProcess CreateService(NetworkService definition, string dllPath)
    {
        var service = new ServiceProcess(definition.Name, dllPath, ServiceUrl(definition.Name), log: Log)
        {
            PidFile = Path.Combine(Options.DataDirectory, "run", definition.Name + ".pid"),
        };
        service
            .WithEnvironment("ASPNETCORE_URLS", ServiceUrl(definition.Name))
            .WithEnvironment("DOTNET_ENVIRONMENT", "Development")
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
            .WithReference(new ConnectionStringResource(definition.Database, databaseConnectionStrings[definition.Database]))
            .WithReference(new ConnectionStringResource("rabbitmq", RabbitMqConnectionString))
            .WithEnvironment("Auth__PublicKey", SigningKey!.PublicKeyBase64)
            .WithEnvironment("OTEL_SERVICE_NAME", definition.Name)
            .WithEnvironment("MASSTRANSIT_USAGE_TELEMETRY", "false")
            // One line per log entry reads far better once interleaved with other services' output
            // (the option only applies to the simple formatter, so that is named too).
            .WithEnvironment("Logging__Console__FormatterName", "simple")
            .WithEnvironment("Logging__Console__FormatterOptions__SingleLine", "true");
        if (OtlpEndpoint is { } otlpEndpoint)
        {
            service
                .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", otlpEndpoint)
                .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
            if (otlpReceiver is not null)
            {
                // Locally an operator watches as it happens: spans and logs each second (not every
                // five), metrics every five seconds (not every minute).
                service
                    .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", "1000")
                    .WithEnvironment("OTEL_BLRP_SCHEDULE_DELAY", "1000")
                    .WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", "5000");
            }
        }
        foreach (var (key, value) in Options.ExtraEnvironment)
        {
            service.WithEnvironment(key, value);
        }
        if (definition.Name == "gateway")
        {
            service
                .WithEnvironment("Auth__PrivateKey", SigningKey.PrivateKeyBase64)
                .WithEnvironment("OPERATOR_CLIENT_SECRET", OperatorClientSecret);
            foreach (var proxied in ProxiedServices)
            {
                service.WithEnvironment($"ReverseProxy__Clusters__{proxied}__Destinations__primary__Address", ServiceUrl(proxied) + "/");
            }
        }
        return service;
    }

    private ServiceProcess ServiceNamed(string name) =>
        services.TryGetValue(name, out var service)
            ? service
            : throw new KeyNotFoundException($"No service named '{name}'. Known: {string.Join(", ", services.Keys)}.");

    private string DllPathOf(NetworkService definition) =>
        Path.Combine(
            Options.RepositoryRoot, definition.Folder, definition.Project,
            "bin", Options.Configuration, "net10.0", definition.Project + ".dll");

    /// <summary>Kept in the data folder so partners' operator credentials survive restarts.</summary>
    private string LoadOrCreateOperatorSecret()
    {
        var path = Path.Combine(Options.DataDirectory, "operator-client-secret");
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length > 0)
            {
                return existing;
            }
        }
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        File.WriteAllText(path, secret);
        UnixProcesses.SetFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return secret;
    }

    private void OpenLogFile()
    {
        var folder = Path.Combine(Options.DataDirectory, "logs");
        Directory.CreateDirectory(folder);
        if (File.Exists(LogFilePath))
        {
            File.Move(LogFilePath, Path.Combine(folder, "network.previous.log"), overwrite: true);
        }
        logFile = new StreamWriter(LogFilePath, append: false, Encoding.UTF8) { AutoFlush = true };
    }

    private void Log(string line)
    {
        lock (logGate)
        {
            logFile?.WriteLine($"{DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss.fff} {line}");
        }
        Options.Log?.Invoke(line);
    }

    private sealed record NetworkService(string Name, string Folder, string Project, string Database, int? PortOffset);
}
