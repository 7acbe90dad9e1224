using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using ReferralNetwork.AppHost;
using ReferralNetwork.Hosting;

LaunchArguments arguments;
try
{
    arguments = LaunchArguments.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine();
    Console.Error.WriteLine(LaunchArguments.Usage);
    return 2;
}
if (arguments.Help)
{
    Console.WriteLine(LaunchArguments.Usage);
    return 0;
}

using var shutdown = new CancellationTokenSource();
void RequestShutdown(string reason)
{
    if (shutdown.IsCancellationRequested)
    {
        return;
    }
    Console.WriteLine($"[apphost] {reason}: stopping the network…");
    // CancelAsync runs the callbacks off the signal handler's thread.
    _ = shutdown.CancelAsync();
}
// Cancelled so the runtime does not kill us before every child is stopped; we exit 0 afterwards.
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    RequestShutdown("Ctrl+C");
};
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    RequestShutdown("SIGTERM");
});
using var onHangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
{
    context.Cancel = true;
    RequestShutdown("terminal closed");
});

string repositoryRoot;
try
{
    repositoryRoot = NetworkOptions.FindRepositoryRoot(AppContext.BaseDirectory);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"[apphost] {e.Message}");
    return 1;
}
var configuration = arguments.Configuration
    ?? typeof(LaunchArguments).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration
    ?? "Release";
var dataDirectory = arguments.DataDirectory is not null
    ? Path.GetFullPath(arguments.DataDirectory)
    : await ChooseDataDirectoryAsync(repositoryRoot, ownPostgres: arguments.ExternalPostgres is null);
var operatorSecret = Environment.GetEnvironmentVariable("OPERATOR_CLIENT_SECRET") is { Length: > 0 } fromEnvironment ? fromEnvironment : null;

var options = new NetworkOptions
{
    DataDirectory = dataDirectory,
    RepositoryRoot = repositoryRoot,
    Configuration = configuration,
    GatewayPort = arguments.GatewayPort ?? 8080,
    FirstServicePort = arguments.FirstServicePort ?? 5101,
    PostgresPort = arguments.PostgresPort ?? 55432,
    RabbitMqPort = arguments.RabbitMqPort ?? 55672,
    RabbitMqManagementPort = arguments.RabbitMqManagementPort ?? 55673,
    OperatorClientSecret = operatorSecret,
    OtlpEndpoint = arguments.OtlpEndpoint,
    OtlpPort = arguments.OtlpPort ?? 18889,
    DashboardPort = arguments.DashboardPort ?? 18888,
    ExternalPostgres = arguments.ExternalPostgres,
    ExternalRabbitMq = arguments.ExternalRabbitMq,
    Log = Console.WriteLine,
};

Console.WriteLine($"[apphost] repository {repositoryRoot}, running the {configuration} build, data in {dataDirectory}");
var exitCode = 0;
var host = new ReferralNetworkHost(options);
try
{
    await host.StartAsync(shutdown.Token);
    PrintSummary(host, operatorSecret is null);
    if (arguments.Demo)
    {
        var credentials = await DemoNetwork.SeedAsync(host.GatewayUrl, host.OperatorClientSecret, dataDirectory, Console.WriteLine, shutdown.Token);
        Console.WriteLine($"[apphost] demo organisations and their credentials: {credentials}");
    }
    Console.WriteLine("[apphost] press Ctrl+C to stop");
    await Task.Delay(Timeout.Infinite, shutdown.Token);
}
catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
{
    // Asked to stop: not a failure.
}
catch (Exception e)
{
    Console.Error.WriteLine($"[apphost] FAILED: {e.Message}");
    exitCode = 1;
}
finally
{
    await host.StopAsync();
}
Console.WriteLine(exitCode == 0 ? "[apphost] stopped" : $"[apphost] stopped after a failure; full log: {host.LogFilePath}");
return exitCode;

// The repository's .data folder, unless PostgreSQL's OS user (which it runs as when we are root)
// cannot reach it, as under /root: then a folder under /var/tmp, stable per repository.
static async Task<string> ChooseDataDirectoryAsync(string repositoryRoot, bool ownPostgres)
{
    var inRepository = Path.Combine(repositoryRoot, ".data");
    if (!ownPostgres || await PostgresServer.IsReachableByServerUserAsync(inRepository))
    {
        return inRepository;
    }
    var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(repositoryRoot)))[..8];
    var fallback = Path.Combine("/var/tmp/referral-network", hash);
    Console.WriteLine(
        $"[apphost] running as root and the '{PostgresServer.ServerOsUser}' OS user cannot reach {repositoryRoot}, " +
        $"so the data folder is {fallback} instead of {inRepository}");
    return fallback;
}

static void PrintSummary(ReferralNetworkHost host, bool secretGenerated)
{
    var options = host.Options;
    var postgres = host.PostgresServer is { } server
        ? $"127.0.0.1:{server.Port}, cluster in {server.DataDirectory}"
        : "external server";
    var rabbitMq = host.RabbitMqBroker is { } broker
        ? $"{broker.ConnectionString} (node {broker.NodeName}), its own log {broker.LogFile}"
        : "external broker";
    var rabbitMqManagement = host.RabbitMqManagementUrl is { } managementUrl
        ? $"{managementUrl} (user {RabbitMqBroker.UserName}, password {RabbitMqBroker.Password})"
        : "none";
    var services = string.Join(", ", ReferralNetworkHost.ServiceNames.Where(n => n != "gateway").Select(n => $"{n} {host.ServiceUrl(n)}"));
    Console.WriteLine($"""

        ================================================================================
         Referral Network is running
           Dashboard        {host.DashboardUrl}
           Gateway          {host.GatewayUrl}   (health: {host.GatewayUrl}/health)
           Operator client  client_id={ReferralNetworkHost.OperatorClientId}
                            client_secret={host.OperatorClientSecret}
                            ({(secretGenerated ? "generated once, kept in " + Path.Combine(options.DataDirectory, "operator-client-secret") : "from OPERATOR_CLIENT_SECRET")})
           Services         {services}
           PostgreSQL       {postgres}
           RabbitMQ         {rabbitMq}
           RabbitMQ UI      {rabbitMqManagement}
           Telemetry        {host.OtlpEndpoint ?? "not exported"} (OTLP/HTTP protobuf)
           Data             {options.DataDirectory}
           Logs             {host.LogFilePath}
        ================================================================================

        """);
}
