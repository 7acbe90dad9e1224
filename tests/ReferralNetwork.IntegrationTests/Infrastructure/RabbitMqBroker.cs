using System.Diagnostics;
using System.Globalization;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.IntegrationTests.Infrastructure;

/// <summary>
/// A RabbitMQ node run as our own child process from the OS's binaries, with its state in a folder
/// of ours, its own ports and its own epmd, so it never touches a system-wide broker
/// (Aspire's <c>AddRabbitMQ</c>, without containers).
/// </summary>
public sealed class RabbitMqBroker : IAsyncDisposable
{
    private const string ScriptsDirectory = RabbitMqNode.ScriptsDirectory;
    private static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(90);

    private readonly Action<string> log;
    private readonly RecentLines output = new();
    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private Process? process;
    private bool stopping;
    private int epmdPort;
    private int distributionPort;

    private RabbitMqBroker(string dataDirectory, int port, int? managementPort, Action<string>? log)
    {
        DataDirectory = dataDirectory;
        Port = port;
        ManagementPort = managementPort;
        this.log = log ?? (_ => { });
        // Stable across runs, which is what lets us find a node a crashed run left behind.
        NodeName = RabbitMqNode.NodeName(dataDirectory);
    }

    /// <summary>The resource name services reference: <c>ConnectionStrings__rabbitmq</c>.</summary>
    public string Name => "rabbitmq";

    public string DataDirectory { get; }

    /// <summary>The AMQP port on 127.0.0.1; it stays the same across <see cref="RestartAsync"/>.</summary>
    public int Port { get; }

    /// <summary>
    /// The management plugin's HTTP port on 127.0.0.1, kept across <see cref="RestartAsync"/> like
    /// <see cref="Port"/>; null when the node runs without the plugin.
    /// </summary>
    public int? ManagementPort { get; }

    /// <summary>The management UI and HTTP API (under <c>api/</c>), e.g. <c>http://127.0.0.1:55673/</c>; null without the plugin.</summary>
    public string? ManagementUrl => ManagementPort is { } port ? $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/" : null;

    public string NodeName { get; }

    /// <summary>A reader of this node's queues through its management API.</summary>
    /// <exception cref="InvalidOperationException">The node runs without the management plugin.</exception>
    public BrokerQueues QueuesReader() =>
        new(ManagementUrl ?? throw new InvalidOperationException($"RabbitMQ node {NodeName} runs without the management plugin."),
            UserName,
            Password);

    /// <summary>RabbitMQ's built-in user, which our node keeps: only loopback clients can reach it.</summary>
    public static string UserName => "guest";

    public static string Password => "guest";

    public string ConnectionString => $"amqp://{UserName}:{Password}@127.0.0.1:{Port}/";

    /// <summary>
    /// The messages ready in a queue right now, asked over AMQP (the management API samples every few
    /// seconds); 0 when the queue does not exist yet, as MassTransit's dead-letter queues until first used.
    /// </summary>
    public async Task<uint> MessagesReadyInAsync(string queue)
    {
        await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(ConnectionString) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return await channel.MessageCountAsync(queue);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }

    public int? ProcessId => process is { HasExited: false } p ? p.Id : null;

    public bool IsRunning => process is { HasExited: false } && !stopping;

    public IReadOnlyList<string> RecentLogLines => output.Snapshot();

    /// <summary>The broker's own log file (its console output carries little).</summary>
    public string LogFile => Path.Combine(RabbitMqNode.Environment(DataDirectory)["RABBITMQ_LOG_BASE"], NodeName + ".log");

    private string StateFile => Path.Combine(DataDirectory, "ports");

    private string PidFile => Path.Combine(DataDirectory, "rabbitmq.pid");

    /// <summary>
    /// Stops a node a crashed run left on this folder, starts RabbitMQ with AMQP on
    /// 127.0.0.1:<paramref name="amqpPort"/> and, unless <paramref name="managementPort"/> is null, the
    /// management plugin (UI and HTTP API) on 127.0.0.1:<paramref name="managementPort"/> (without it
    /// the start is quickest), and waits until <c>rabbitmqctl await_startup</c> returns.
    /// </summary>
    public static async Task<RabbitMqBroker> StartAsync(
        string dataDirectory,
        int amqpPort,
        int? managementPort = null,
        Action<string>? log = null,
        CancellationToken cancellationToken = default)
    {
        if (managementPort == amqpPort)
        {
            throw new ArgumentException($"The management port must differ from the AMQP port ({amqpPort}).", nameof(managementPort));
        }
        RabbitMqNode.EnsureInstalled();
        var broker = new RabbitMqBroker(Path.GetFullPath(dataDirectory), amqpPort, managementPort, log);
        try
        {
            await broker.StopNodeLeftRunningAsync(cancellationToken);
            await broker.LaunchAsync(cancellationToken);
            return broker;
        }
        catch
        {
            await broker.StopAsync();
            throw;
        }
    }

    /// <summary>Stops the node (a broker restart as clients see it) and starts it again on the same AMQP port.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await LaunchAsync(cancellationToken);
    }

    /// <summary>Stops the node, waits for its process to exit and kills the epmd it started.</summary>
    public async Task StopAsync()
    {
        await lifecycle.WaitAsync();
        try
        {
            if (process is null)
            {
                return;
            }
            stopping = true;
            if (!process.HasExited)
            {
                if (ManagementPort is not null)
                {
                    await DetachManagementStatisticsAsync();
                }
                var result = await ControlAsync(["stop"], TimeSpan.FromSeconds(60), CancellationToken.None);
                if (!result.Succeeded)
                {
                    log($"[rabbitmq] rabbitmqctl stop failed ({result.ExitCode}): {result.Output}");
                }
                await ServerProcesses.WaitForExitOrKillAsync(process, TimeSpan.FromSeconds(30), () => log("[rabbitmq] did not exit after rabbitmqctl stop; killing it"));
            }
            process.Dispose();
            process = null;
            await KillEpmdAsync(epmdPort);
            File.Delete(StateFile);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        await lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (!LocalPorts.IsFree(Port))
            {
                throw new InvalidOperationException(
                    $"Port {Port} on 127.0.0.1 is already in use, so RabbitMQ cannot listen there; choose another RabbitMQ port.");
            }
            // Checked here too: a busy port would only fail the plugin deep inside the node's boot.
            if (ManagementPort is { } managementPort && !LocalPorts.IsFree(managementPort))
            {
                throw new InvalidOperationException(
                    $"Port {managementPort} on 127.0.0.1 is already in use, so RabbitMQ's management API cannot listen there; choose another RabbitMQ management port.");
            }
            // Fresh epmd and distribution ports each launch: free now, and never a system epmd's 4369.
            int[] fixedPorts = ManagementPort is { } management ? [Port, management] : [Port];
            epmdPort = LocalPorts.FindFreeExcept(fixedPorts);
            distributionPort = LocalPorts.FindFreeExcept([.. fixedPorts, epmdPort]);
            WriteConfiguration();
            // Recorded before launch so a later run can clean up after us if we crash (it reads epmd);
            // the listeners' ports are there so one can see what a node left behind was holding.
            File.WriteAllText(
                StateFile,
                $"epmd={epmdPort}\ndist={distributionPort}\namqp={Port}\n" + (ManagementPort is { } held ? $"management={held}\n" : ""));

            var info = UnixProcesses.CreateStartInfo(Path.Combine(ScriptsDirectory, "rabbitmq-server"), [], NodeEnvironment());
            info.WorkingDirectory = DataDirectory;
            var started = new Process { StartInfo = info, EnableRaisingEvents = true };
            started.OutputDataReceived += (_, e) => Record(e.Data);
            started.ErrorDataReceived += (_, e) => Record(e.Data);
            started.Exited += (_, _) =>
            {
                if (!stopping)
                {
                    log($"[rabbitmq] exited unexpectedly (exit code {started.ExitCode})");
                }
            };
            stopping = false;
            started.Start();
            started.StandardInput.Close();
            started.BeginOutputReadLine();
            started.BeginErrorReadLine();
            process = started;
            var managementNote = ManagementPort is { } http ? $", management on 127.0.0.1:{http}" : "";
            log($"[rabbitmq] node {NodeName} starting on 127.0.0.1:{Port}{managementNote} (pid {started.Id}, epmd {epmdPort}), data in {DataDirectory}");

            await WaitForStartupAsync(started, cancellationToken);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    private async Task WaitForStartupAsync(Process started, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = new CommandResult(-1, "");
        while (clock.Elapsed < ReadinessTimeout)
        {
            if (started.HasExited)
            {
                throw new InvalidOperationException(
                    $"RabbitMQ exited during start-up (exit code {started.ExitCode}). Last output:{Environment.NewLine}{output.Tail()}" +
                    $"{Environment.NewLine}Last lines of {LogFile}:{Environment.NewLine}{NodeLogTail()}");
            }
            var remaining = ReadinessTimeout - clock.Elapsed;
            var seconds = Math.Max(1, (int)remaining.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            // await_startup gives up at once while the node is not yet registered with epmd, hence the loop.
            last = await ControlAsync(["await_startup", "--timeout", seconds], remaining + TimeSpan.FromSeconds(10), cancellationToken);
            if (last.Succeeded)
            {
                log($"[rabbitmq] ready after {clock.Elapsed.TotalSeconds:0.0} s");
                return;
            }
            await Task.Delay(500, cancellationToken);
        }
        throw new TimeoutException(
            $"RabbitMQ did not finish starting within {ReadinessTimeout.TotalSeconds:0} s ({last.Output}). " +
            $"Last lines of {LogFile}:{Environment.NewLine}{NodeLogTail()}");
    }

    /// <summary>An earlier run that crashed may have left its node (and epmd) running on this folder: stop them.</summary>
    private async Task StopNodeLeftRunningAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(PidFile)
            && int.TryParse(File.ReadAllText(PidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && ServerProcesses.IsAlive(pid)
            && ServerProcesses.NameOf(pid) == "beam.smp"
            && RunsThisNode(pid))
        {
            log($"[rabbitmq] stopping the node (pid {pid}) an earlier run left running on {DataDirectory}");
            // SIGTERM makes the Erlang VM shut down cleanly (init:stop), no epmd needed.
            await ServerProcesses.TerminateAsync(pid, TimeSpan.FromSeconds(30));
        }
        if (File.Exists(StateFile))
        {
            var oldEpmd = File.ReadLines(StateFile)
                .Where(l => l.StartsWith("epmd=", StringComparison.Ordinal))
                .Select(l => int.TryParse(l[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0)
                .FirstOrDefault();
            if (oldEpmd > 0)
            {
                await KillEpmdAsync(oldEpmd);
            }
            File.Delete(StateFile);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The node's environment names it, which tells a reused pid from ours.</summary>
    private bool RunsThisNode(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0').Contains("RABBITMQ_NODENAME=" + NodeName);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void WriteConfiguration() => RabbitMqNode.WriteConfiguration(DataDirectory, Port, ManagementPort);

    /// <summary>Environment for the node and for rabbitmqctl, which must share HOME (cookie) and epmd port.</summary>
    private Dictionary<string, string> NodeEnvironment() =>
        new(RabbitMqNode.Environment(DataDirectory))
        {
            ["ERL_EPMD_PORT"] = epmdPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(CultureInfo.InvariantCulture),
        };

    /// <summary>
    /// Removes the management agent's statistics hook while the node still runs. Left in place, the
    /// hook's clean-up runs while the node shuts down and there waits out a 5 s timeout
    /// (rabbitmq-server#11070, fixed in 3.13; Debian ships 3.10): a stop took ≈ 6.5 s, with this ≈ 2.7 s
    /// (≈ 1.9 s without the plugin). Best effort: when this fails the stop is only slower.
    /// </summary>
    private async Task DetachManagementStatisticsAsync()
    {
        var result = await ControlAsync(
            ["eval", "gen_event:delete_handler(rabbit_event, rabbit_mgmt_db_handler, [])."],
            TimeSpan.FromSeconds(15),
            CancellationToken.None);
        if (!result.Succeeded)
        {
            log($"[rabbitmq] could not detach the management statistics before stopping ({result.ExitCode}): {result.Output}");
        }
    }

    private Task<CommandResult> ControlAsync(IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
        UnixProcesses.RunAsync(
            Path.Combine(ScriptsDirectory, "rabbitmqctl"),
            ["-n", NodeName, .. arguments],
            NodeEnvironment(),
            timeout: timeout,
            cancellationToken: cancellationToken);

    /// <summary>
    /// Kills the epmd on our port. epmd refuses while any node is registered, so a port another
    /// broker has since taken is never disturbed; we retry briefly because a node that has just
    /// stopped takes a moment to unregister.
    /// </summary>
    private async Task KillEpmdAsync(int port)
    {
        if (port <= 0)
        {
            return;
        }
        var epmd = File.Exists("/usr/lib/erlang/bin/epmd") ? "/usr/lib/erlang/bin/epmd" : "epmd";
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var result = await UnixProcesses.RunAsync(epmd, ["-port", port.ToString(CultureInfo.InvariantCulture), "-kill"], timeout: TimeSpan.FromSeconds(10));
            // "Killed" on success; "Cannot connect" when none is running there (already gone).
            if (result.Output.Contains("Killed", StringComparison.Ordinal) || result.Output.Contains("onnect", StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(200);
        }
        log($"[rabbitmq] could not stop epmd on port {port}: nodes are still registered with it");
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }
        output.Add(line);
        log("[rabbitmq] " + line);
    }

    private string NodeLogTail()
    {
        try
        {
            var lines = File.ReadAllLines(LogFile);
            return string.Join(Environment.NewLine, lines.Skip(Math.Max(0, lines.Length - 30)).Select(l => "    " + l));
        }
        catch (IOException)
        {
            return "    (no log file)";
        }
    }
}
