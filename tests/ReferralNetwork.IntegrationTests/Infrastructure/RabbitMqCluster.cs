using System.Diagnostics;
using System.Globalization;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.IntegrationTests.Infrastructure;

/// <summary>
/// Several RabbitMQ nodes clustered on loopback, laid out as the AppHost lays out its own
/// (<see cref="RabbitMqNode"/>): one epmd and one Erlang cookie for all, each node with its folder, AMQP,
/// management and distribution ports; the first boots alone, the others join it through peer discovery.
/// Every node keeps <c>guest</c>, which only loopback clients can use.
/// </summary>
public sealed class RabbitMqCluster : IAsyncDisposable
{
    private static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(90);

    private readonly string dataDirectory;
    private readonly Action<string> log;
    private readonly int epmdPort;
    private Process? epmd;

    private RabbitMqCluster(string dataDirectory, int size, Action<string> log)
    {
        this.dataDirectory = dataDirectory;
        this.log = log;
        var taken = new List<int>();
        int Free()
        {
            var port = LocalPorts.FindFreeExcept(taken);
            taken.Add(port);
            return port;
        }
        epmdPort = Free();
        Nodes = [.. Enumerable.Range(1, size).Select(i =>
        {
            var directory = Path.Combine(dataDirectory, "node-" + i.ToString(CultureInfo.InvariantCulture));
            return new Node(directory, RabbitMqNode.NodeName(directory), Free(), Free(), Free());
        })];
    }

    public IReadOnlyList<Node> Nodes { get; }

    public static string UserName => "guest";

    public static string Password => "guest";

    /// <summary>Starts the nodes and returns once the cluster has every one of them running.</summary>
    public static async Task<RabbitMqCluster> StartAsync(string dataDirectory, int size, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        RabbitMqNode.EnsureInstalled();
        var cluster = new RabbitMqCluster(Path.GetFullPath(dataDirectory), size, log ?? (_ => { }));
        try
        {
            cluster.StartEpmd();
            await cluster.StartNodeAsync(cluster.Nodes[0], cancellationToken);
            // The others only once the first runs: a blank node that finds no peer boots a cluster of its own.
            await Task.WhenAll(cluster.Nodes.Skip(1).Select(n => cluster.StartNodeAsync(n, cancellationToken)));
            using var api = cluster.Nodes[0].Management();
            await Eventually.GetAsync(async () => (await api.RunningNodesAsync(cancellationToken)).Count == size ? "clustered" : null,
                $"all {size} RabbitMQ nodes to be in one cluster", seconds: 60);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the node's Erlang VM with SIGKILL, a crash with no goodbye to its peers or clients.</summary>
    public async Task KillAsync(Node node)
    {
        if (node.Process is not { } process)
        {
            return;
        }
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        node.Process = null;
        log($"[cluster] killed {node.Name}");
    }

    public async ValueTask DisposeAsync()
    {
        // Throwaway nodes: killed, not stopped, which also leaves nothing behind when a node hangs.
        foreach (var node in Nodes)
        {
            await KillAsync(node);
        }
        if (epmd is { HasExited: false })
        {
            epmd.Kill(entireProcessTree: true);
            await epmd.WaitForExitAsync();
        }
        epmd?.Dispose();
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the next clean-up of /var/tmp; nothing runs from it any more.
        }
    }

    private void StartEpmd()
    {
        // Ours, in the foreground: a node would otherwise start a daemon that outlives the test.
        var info = UnixProcesses.CreateStartInfo("epmd", ["-address", "127.0.0.1", "-port", epmdPort.ToString(CultureInfo.InvariantCulture)]);
        epmd = Process.Start(info) ?? throw new InvalidOperationException("epmd did not start.");
        epmd.StandardInput.Close();
        epmd.BeginOutputReadLine();
        epmd.BeginErrorReadLine();
    }

    private async Task StartNodeAsync(Node node, CancellationToken cancellationToken)
    {
        RabbitMqNode.WriteConfiguration(node.DataDirectory, node.AmqpPort, node.ManagementPort, clusterNodes: [.. Nodes.Select(n => n.Name)]);
        if (node != Nodes[0])
        {
            RabbitMqNode.ShareCookie(Nodes[0].DataDirectory, node.DataDirectory);
        }
        var info = UnixProcesses.CreateStartInfo(Path.Combine(RabbitMqNode.ScriptsDirectory, "rabbitmq-server"), [], Environment(node));
        info.WorkingDirectory = node.DataDirectory;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"RabbitMQ node {node.Name} did not start.");
        process.StandardInput.Close();
        // Drained, or a full pipe would stall the node; its own log file holds what matters.
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        node.Process = process;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"RabbitMQ node {node.Name} exited during start-up (exit code {process.ExitCode}); see {node.DataDirectory}/log.");
            }
            var seconds = Math.Max(1, (int)(ReadinessTimeout - clock.Elapsed).TotalSeconds).ToString(CultureInfo.InvariantCulture);
            // await_startup gives up at once while the node is not yet registered with epmd, hence the loop.
            var result = await UnixProcesses.RunAsync(Path.Combine(RabbitMqNode.ScriptsDirectory, "rabbitmqctl"),
                ["-n", node.Name, "await_startup", "--timeout", seconds], Environment(node), timeout: ReadinessTimeout, cancellationToken: cancellationToken);
            if (result.Succeeded)
            {
                log($"[cluster] {node.Name} ready on 127.0.0.1:{node.AmqpPort} after {clock.Elapsed.TotalSeconds:0.0} s");
                return;
            }
            if (clock.Elapsed > ReadinessTimeout)
            {
                throw new TimeoutException($"RabbitMQ node {node.Name} did not start within {ReadinessTimeout.TotalSeconds:0} s: {result.Output}");
            }
            await Task.Delay(500, cancellationToken);
        }
    }

    private Dictionary<string, string> Environment(Node node) =>
        new(RabbitMqNode.Environment(node.DataDirectory))
        {
            ["ERL_EPMD_PORT"] = epmdPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = node.DistributionPort.ToString(CultureInfo.InvariantCulture),
        };

    /// <summary>One member: every node runs the management plugin, so the cluster can be asked after any one is gone.</summary>
    public sealed record Node(string DataDirectory, string Name, int AmqpPort, int ManagementPort, int DistributionPort)
    {
        public Process? Process { get; set; }

        public BrokerCluster Management() =>
            new($"http://127.0.0.1:{ManagementPort.ToString(CultureInfo.InvariantCulture)}/", UserName, Password);
    }
}
