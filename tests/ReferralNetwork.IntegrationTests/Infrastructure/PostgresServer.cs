using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Npgsql;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.IntegrationTests.Infrastructure;

/// <summary>
/// A PostgreSQL server run as our own child process on a <see cref="PostgresCluster"/> that trusts
/// local connections: the integration tests' throwaway database server.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(30);

    private readonly Action<string> log;
    private readonly RecentLines output = new();
    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private readonly string? runAsUser;
    private Process? process;
    private bool stopping;

    private PostgresServer(string dataDirectory, int port, string binDirectory, Action<string>? log)
    {
        DataDirectory = dataDirectory;
        Port = port;
        BinDirectory = binDirectory;
        this.log = log ?? (_ => { });
        runAsUser = UnixProcesses.IsRoot ? PostgresCluster.ServerOsUser : null;
    }

    public string Name => "postgres";

    /// <summary>The cluster folder (what <c>initdb -D</c> was given).</summary>
    public string DataDirectory { get; }

    public int Port { get; }

    public string BinDirectory { get; }

    /// <summary>Id of the process we launched (<c>runuser</c> when switching user, else <c>postgres</c>).</summary>
    public int? ProcessId => process is { HasExited: false } p ? p.Id : null;

    public bool IsRunning => process is { HasExited: false } && !stopping;

    public IReadOnlyList<string> RecentLogLines => output.Snapshot();

    /// <summary>
    /// Creates the cluster if the folder has none, stops a server an earlier crashed run left on it,
    /// starts PostgreSQL on 127.0.0.1:<paramref name="port"/> and waits until it accepts connections.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(
        string dataDirectory,
        int port,
        Action<string>? log = null,
        CancellationToken cancellationToken = default)
    {
        var server = new PostgresServer(Path.GetFullPath(dataDirectory), port, PostgresCluster.FindBinDirectory(), log);
        try
        {
            await PostgresCluster.PrepareClusterAsync(server.BinDirectory, server.DataDirectory, superuserPassword: null, cancellationToken);
            await server.StopServerLeftRunningAsync(cancellationToken);
            server.Launch();
            await server.WaitUntilAcceptingConnectionsAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.StopAsync();
            throw;
        }
    }

    /// <summary>An Npgsql connection string for <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Database = database,
            Username = PostgresCluster.Superuser,
        }.ConnectionString;

    /// <summary>Creates the database unless it exists.</summary>
    public Task EnsureDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        PostgresCluster.EnsureDatabaseOnServerAsync(ConnectionString("postgres"), name, cancellationToken);

    /// <summary>Fast shutdown (open transactions roll back), then waits for the process to exit.</summary>
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
                var result = await UnixProcesses.RunAsync(
                    Path.Combine(BinDirectory, "pg_ctl"),
                    ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "30"],
                    runAsUser: runAsUser,
                    timeout: TimeSpan.FromSeconds(45));
                if (!result.Succeeded)
                {
                    log($"[postgres] pg_ctl stop failed ({result.ExitCode}): {result.Output}");
                }
                await ServerProcesses.WaitForExitOrKillAsync(process, TimeSpan.FromSeconds(15), () => log("[postgres] did not exit after pg_ctl stop; killing it"));
            }
            process.Dispose();
            process = null;
        }
        finally
        {
            lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>An earlier run that crashed may have left its server running on this cluster: stop it.</summary>
    private async Task StopServerLeftRunningAsync(CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return;
        }
        var firstLine = File.ReadLines(pidFile).FirstOrDefault();
        if (!int.TryParse(firstLine, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !ServerProcesses.IsAlive(pid)
            || ServerProcesses.NameOf(pid) != "postgres"
            || !ServesThisCluster(pid))
        {
            // A stale pid file alone is fine: postgres itself recognises and replaces it.
            return;
        }
        log($"[postgres] stopping the server (pid {pid}) an earlier run left running on {DataDirectory}");
        var result = await UnixProcesses.RunAsync(
            Path.Combine(BinDirectory, "pg_ctl"),
            ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "30"],
            runAsUser: runAsUser,
            timeout: TimeSpan.FromSeconds(45),
            cancellationToken: cancellationToken);
        if (!result.Succeeded && ServerProcesses.IsAlive(pid))
        {
            await ServerProcesses.TerminateAsync(pid, TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>The postmaster works in its cluster folder, which tells a reused pid from ours.</summary>
    private bool ServesThisCluster(int pid)
    {
        try
        {
            var cwd = new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget;
            return cwd is not null && Path.GetFullPath(cwd).TrimEnd('/') == DataDirectory.TrimEnd('/');
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

    private void Launch()
    {
        if (!LocalPorts.IsFree(Port))
        {
            throw new InvalidOperationException(
                $"Port {Port} on 127.0.0.1 is already in use, so PostgreSQL cannot listen there; choose another PostgreSQL port.");
        }
        string[] arguments = [.. PostgresCluster.ServerArguments(DataDirectory), "-p", Port.ToString(CultureInfo.InvariantCulture)];
        var info = UnixProcesses.CreateStartInfo(Path.Combine(BinDirectory, "postgres"), arguments, runAsUser: runAsUser);
        var started = new Process { StartInfo = info, EnableRaisingEvents = true };
        started.OutputDataReceived += (_, e) => Record(e.Data);
        started.ErrorDataReceived += (_, e) => Record(e.Data);
        started.Exited += (_, _) =>
        {
            if (!stopping)
            {
                log($"[postgres] exited unexpectedly (exit code {started.ExitCode})");
            }
        };
        started.Start();
        started.StandardInput.Close();
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
        log($"[postgres] started on 127.0.0.1:{Port} (pid {started.Id}), data in {DataDirectory}");
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }
        output.Add(line);
        log("[postgres] " + line);
    }

    private async Task WaitUntilAcceptingConnectionsAsync(CancellationToken cancellationToken)
    {
        var probe = new NpgsqlConnectionStringBuilder(ConnectionString("postgres")) { Pooling = false, Timeout = 2 }.ConnectionString;
        var clock = Stopwatch.StartNew();
        Exception? lastError = null;
        while (clock.Elapsed < ReadinessTimeout)
        {
            if (process is null || process.HasExited)
            {
                throw new InvalidOperationException(
                    $"PostgreSQL exited during start-up (exit code {process?.ExitCode}). Last output:{Environment.NewLine}{output.Tail()}");
            }
            try
            {
                await using var connection = new NpgsqlConnection(probe);
                await connection.OpenAsync(cancellationToken);
                log($"[postgres] accepting connections after {clock.Elapsed.TotalSeconds:0.0} s");
                return;
            }
            catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException or IOException)
            {
                lastError = e;
            }
            await Task.Delay(200, cancellationToken);
        }
        throw new TimeoutException(
            $"PostgreSQL did not accept connections on 127.0.0.1:{Port} within {ReadinessTimeout.TotalSeconds:0} s " +
            $"({lastError?.Message}). Last output:{Environment.NewLine}{output.Tail()}");
    }
}
