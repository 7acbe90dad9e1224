using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;

namespace ReferralNetwork.Hosting;

/// <summary>
/// A PostgreSQL server run as our own child process from the OS's binaries, with its cluster in a
/// folder of ours and its own port, so it never touches a system-wide instance
/// (Aspire's <c>AddPostgres</c>, without containers).
/// </summary>
public sealed partial class PostgresServer : IAsyncDisposable
{
    public const string Superuser = "postgres";

    /// <summary>The OS user PostgreSQL runs as when we are root (initdb and postgres refuse root).</summary>
    public const string ServerOsUser = "postgres";

    private const string BinariesRoot = "/usr/lib/postgresql";
    private const int MaxUnixSocketPathLength = 107;
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
        runAsUser = UnixProcesses.IsRoot ? ServerOsUser : null;
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
        var server = new PostgresServer(Path.GetFullPath(dataDirectory), port, FindBinDirectory(), log);
        try
        {
            await PrepareClusterAsync(server.BinDirectory, server.DataDirectory, superuserPassword: null, cancellationToken);
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

    /// <summary>The bin folder of the newest PostgreSQL installed under /usr/lib/postgresql.</summary>
    public static string FindBinDirectory()
    {
        var newest = Directory.Exists(BinariesRoot)
            ? Directory.EnumerateDirectories(BinariesRoot)
                .Where(d => File.Exists(Path.Combine(d, "bin", "postgres")))
                .Select(d => (Folder: d, Version: Version.TryParse(ToVersionText(Path.GetFileName(d)), out var v) ? v : null))
                .Where(x => x.Version is not null)
                .OrderByDescending(x => x.Version)
                .Select(x => x.Folder)
                .FirstOrDefault()
            : null;
        return newest is null
            ? throw new InvalidOperationException(
                $"No PostgreSQL server binaries under {BinariesRoot}/<version>/bin. Run scripts/install-prerequisites.sh.")
            : Path.Combine(newest, "bin");

        // Folder names are "15" or "9.6"; Version needs at least two parts.
        static string ToVersionText(string name) => name.Contains('.') ? name : name + ".0";
    }

    /// <summary>
    /// True when the PostgreSQL OS user could reach <paramref name="path"/> (always true unless we
    /// are root, since only then do we switch users). Paths under /root are the usual failure.
    /// </summary>
    public static async Task<bool> IsReachableByServerUserAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!UnixProcesses.IsRoot)
        {
            return true;
        }
        var existing = Path.GetFullPath(path);
        while (!Directory.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing) ?? "/";
        }
        var result = await UnixProcesses.RunAsync("test", ["-x", existing], runAsUser: ServerOsUser, cancellationToken: cancellationToken);
        return result.Succeeded;
    }

    /// <summary>An Npgsql connection string for <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Database = database,
            Username = Superuser,
        }.ConnectionString;

    /// <summary>The same server as <paramref name="serverConnectionString"/>, another database.</summary>
    public static string ConnectionStringFor(string serverConnectionString, string database) =>
        new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = database }.ConnectionString;

    /// <summary>Creates the database unless it exists.</summary>
    public Task EnsureDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        EnsureDatabaseOnServerAsync(ConnectionString("postgres"), name, cancellationToken);

    /// <summary>Creates the database on any server (ours or an external one) unless it exists.</summary>
    public static async Task EnsureDatabaseOnServerAsync(string serverConnectionString, string name, CancellationToken cancellationToken = default)
    {
        // CREATE DATABASE takes no parameters, so the name is restricted to a safe identifier.
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain lower-case database name.", nameof(name));
        }
        var builder = new NpgsqlConnectionStringBuilder(serverConnectionString) { Pooling = false };
        if (string.IsNullOrEmpty(builder.Database))
        {
            builder.Database = "postgres";
        }
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = name });
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return;
            }
        }
        try
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Someone else created it between our check and our create: that is what we wanted.
        }
    }

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
                await UnixProcesses.WaitForExitOrKillAsync(process, TimeSpan.FromSeconds(15), () => log("[postgres] did not exit after pg_ctl stop; killing it"));
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

    /// <summary>
    /// Makes <paramref name="clusterDirectory"/> a cluster PostgreSQL can run on: creates it owner-only,
    /// gives it to the server's OS user when we are root, and runs initdb unless a cluster is there.
    /// With a <paramref name="superuserPassword"/> a new cluster takes passwords (SCRAM) only;
    /// without, it trusts local connections (the integration tests' throwaway clusters).
    /// </summary>
    public static async Task PrepareClusterAsync(string binDirectory, string clusterDirectory, string? superuserPassword, CancellationToken cancellationToken)
    {
        var runAsUser = UnixProcesses.IsRoot ? ServerOsUser : null;
        Directory.CreateDirectory(clusterDirectory);
        // PostgreSQL insists that nobody but its owner can read the cluster.
        UnixProcesses.SetFileMode(clusterDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (runAsUser is not null)
        {
            await GiveToServerUserAsync(clusterDirectory, runAsUser, cancellationToken);
        }
        if (File.Exists(Path.Combine(clusterDirectory, "PG_VERSION")))
        {
            return;
        }
        string[] authentication = ["--auth=trust"];
        string? passwordFile = null;
        if (superuserPassword is not null)
        {
            // Beside the cluster, not in it (initdb wants an empty folder), readable by the server's user only while initdb runs.
            passwordFile = Path.Combine(Path.GetDirectoryName(clusterDirectory.TrimEnd('/'))!, ".initdb-password");
            File.WriteAllText(passwordFile, superuserPassword);
            UnixProcesses.SetFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (runAsUser is not null)
            {
                await UnixProcesses.RunAsync("chown", [$"{runAsUser}:{runAsUser}", passwordFile], cancellationToken: cancellationToken);
            }
            authentication = ["--auth=scram-sha-256", "--pwfile=" + passwordFile];
        }
        try
        {
            var result = await UnixProcesses.RunAsync(
                Path.Combine(binDirectory, "initdb"),
                ["-D", clusterDirectory, "-U", Superuser, .. authentication, "--encoding=UTF8", "--locale=C", "--no-instructions"],
                runAsUser: runAsUser,
                cancellationToken: cancellationToken);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"initdb failed for {clusterDirectory} (exit code {result.ExitCode}):{Environment.NewLine}{result.Output}");
            }
        }
        finally
        {
            if (passwordFile is not null)
            {
                File.Delete(passwordFile);
            }
        }
    }

    /// <summary>
    /// The server's arguments but its port: loopback only; the Unix socket inside the cluster's own
    /// owner-only folder, or none when the path would be too long for a socket.
    /// </summary>
    public static IReadOnlyList<string> ServerArguments(string clusterDirectory)
    {
        // Sized for the longest port, so the choice holds for any.
        var socketDirectory = (clusterDirectory + "/.s.PGSQL.65535").Length <= MaxUnixSocketPathLength ? clusterDirectory : "";
        return
        [
            "-D", clusterDirectory,
            "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=" + socketDirectory,
            // Five services, each with Marten daemons and pools, plus tests: more than the default 100.
            "-c", "max_connections=200",
        ];
    }

    private static async Task GiveToServerUserAsync(string clusterDirectory, string runAsUser, CancellationToken cancellationToken)
    {
        var user = await UnixProcesses.RunAsync("id", ["-u", runAsUser], cancellationToken: cancellationToken);
        if (!user.Succeeded)
        {
            throw new InvalidOperationException(
                $"Running as root, PostgreSQL must run as the '{runAsUser}' OS user, which does not exist. Run scripts/install-prerequisites.sh.");
        }
        var chown = await UnixProcesses.RunAsync("chown", [$"{runAsUser}:{runAsUser}", clusterDirectory], cancellationToken: cancellationToken);
        if (!chown.Succeeded)
        {
            throw new InvalidOperationException($"Could not give {clusterDirectory} to the '{runAsUser}' OS user: {chown.Output}");
        }
        var reachable = await UnixProcesses.RunAsync(
            "test", ["-r", clusterDirectory, "-a", "-w", clusterDirectory, "-a", "-x", clusterDirectory],
            runAsUser: runAsUser, cancellationToken: cancellationToken);
        if (!reachable.Succeeded)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL data folder {clusterDirectory} is not reachable by the '{runAsUser}' OS user, which PostgreSQL " +
                "must run as when we are root: one of its parent folders is not traversable (a folder under /root is the usual cause). " +
                "Use a data folder outside /root, e.g. under /var/tmp.");
        }
    }

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
            || !UnixProcesses.IsAlive(pid)
            || UnixProcesses.NameOf(pid) != "postgres"
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
        if (!result.Succeeded && UnixProcesses.IsAlive(pid))
        {
            await UnixProcesses.TerminateAsync(pid, TimeSpan.FromSeconds(10));
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
        if (!LoopbackPorts.IsFree(Port))
        {
            throw new InvalidOperationException(
                $"Port {Port} on 127.0.0.1 is already in use, so PostgreSQL cannot listen there; choose another PostgreSQL port.");
        }
        string[] arguments = [.. ServerArguments(DataDirectory), "-p", Port.ToString(CultureInfo.InvariantCulture)];
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

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();
}
