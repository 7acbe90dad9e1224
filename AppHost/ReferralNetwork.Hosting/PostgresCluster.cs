using System.Text.RegularExpressions;
using Npgsql;

namespace ReferralNetwork.Hosting;

/// <summary>
/// A PostgreSQL cluster of ours, run from the OS's binaries in a folder of ours on its own port, so
/// it never touches a system-wide instance (Aspire's <c>AddPostgres</c>, without containers):
/// finding the binaries, preparing the cluster, the server's arguments and creating databases.
/// </summary>
public static partial class PostgresCluster
{
    public const string Superuser = "postgres";

    /// <summary>The OS user PostgreSQL runs as when we are root (initdb and postgres refuse root).</summary>
    public const string ServerOsUser = "postgres";

    private const string BinariesRoot = "/usr/lib/postgresql";
    private const int MaxUnixSocketPathLength = 107;

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

    /// <summary>
    /// Makes <paramref name="clusterDirectory"/> a cluster PostgreSQL can run on: creates it owner-only,
    /// gives it to the server's OS user when we are root, and runs initdb unless a cluster is there.
    /// With a <paramref name="superuserPassword"/> a new cluster takes passwords (SCRAM) only;
    /// without, it trusts local connections.
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

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();
}
