using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ReferralNetwork.Hosting;

/// <summary>How a RabbitMQ node of ours is laid out in its folder: configuration, environment and names.</summary>
public static class RabbitMqNode
{
    public const string ScriptsDirectory = "/usr/lib/rabbitmq/bin";

    /// <summary>The node name must be unique per machine; deriving it from the folder keeps it stable across runs.</summary>
    public static string NodeName(string dataDirectory) =>
        $"rn-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory))))[..8]}@localhost";

    public static void EnsureInstalled()
    {
        if (!File.Exists(Path.Combine(ScriptsDirectory, "rabbitmq-server")))
        {
            throw new InvalidOperationException(
                $"RabbitMQ is not installed ({ScriptsDirectory}/rabbitmq-server is missing). Run scripts/install-prerequisites.sh.");
        }
    }

    /// <summary>
    /// Writes the node's configuration (overwritten on every start) and, once, its Erlang cookie.
    /// With <paramref name="credentials"/> the node's first boot creates that user instead of guest.
    /// With <paramref name="clusterNodes"/> (every member's <see cref="NodeName"/>, this one's included) a
    /// blank node joins the first of them it reaches on its first boot; a node that has data rejoins its
    /// cluster by itself. Every member must hold the same cookie (<see cref="ShareCookie"/>).
    /// </summary>
    public static void WriteConfiguration(
        string dataDirectory, int amqpPort, int? managementPort, (string User, string Password)? credentials = null, IReadOnlyList<string>? clusterNodes = null)
    {
        foreach (var folder in new[] { "mnesia", "log", "home" })
        {
            Directory.CreateDirectory(Path.Combine(dataDirectory, folder));
        }
        var configuration = new StringBuilder($"""
            # Written by the referral network on every start; edits are overwritten.
            listeners.tcp.default = 127.0.0.1:{amqpPort.ToString(CultureInfo.InvariantCulture)}
            # Remote users are refused anyway: every listener is on loopback.
            loopback_users = none

            """);
        if (credentials is var (user, password))
        {
            configuration.Append(CultureInfo.InvariantCulture, $"""
                default_user = {user}
                default_pass = {password}
                default_user_tags.administrator = true

                """);
        }
        if (managementPort is { } port)
        {
            configuration.Append(CultureInfo.InvariantCulture, $"""
                # The management UI and HTTP API (queue depths are read there), loopback only.
                management.tcp.ip = 127.0.0.1
                management.tcp.port = {port}
                # Queue depths refresh every second instead of every five; only one-second samples are kept.
                collect_statistics_interval = 1000
                management.sample_retention_policies.global.600 = 1
                management.sample_retention_policies.basic.600 = 1
                management.sample_retention_policies.detailed.10 = 1

                """);
        }
        if (clusterNodes is { Count: > 0 })
        {
            // Peer discovery from this list rather than rabbitmqctl join_cluster: nothing to run against a live
            // node, and a node that crashed rejoins from its own data without us.
            configuration.AppendLine("cluster_formation.peer_discovery_backend = classic_config");
            for (var i = 0; i < clusterNodes.Count; i++)
            {
                configuration.AppendLine(CultureInfo.InvariantCulture, $"cluster_formation.classic_config.nodes.{i + 1} = {clusterNodes[i]}");
            }
        }
        File.WriteAllText(Path.Combine(dataDirectory, "rabbitmq.conf"), configuration.ToString());
        // The shovel moves messages from an _error queue back to its own queue for an operator. A cluster member
        // without the UI still needs the agent, or the UI's node cannot see the queues it leads.
        File.WriteAllText(
            Path.Combine(dataDirectory, "enabled_plugins"),
            managementPort is not null ? "[rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management].\n"
            : clusterNodes is { Count: > 0 } ? "[rabbitmq_management_agent].\n"
            : "[].\n");
        // Our own empty env file, so /etc/rabbitmq/rabbitmq-env.conf cannot change our node.
        File.WriteAllText(Path.Combine(dataDirectory, "rabbitmq-env.conf"), "");

        var cookie = CookieFile(dataDirectory);
        if (!File.Exists(cookie))
        {
            // Written before the node starts so rabbitmqctl never races the node to create a different one.
            WriteCookie(cookie, RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 32));
        }
    }

    /// <summary>
    /// Gives the node in <paramref name="memberDirectory"/> the Erlang cookie of the one in
    /// <paramref name="firstDirectory"/> (created when it has none yet): nodes with different cookies cannot cluster.
    /// </summary>
    public static void ShareCookie(string firstDirectory, string memberDirectory)
    {
        var source = CookieFile(firstDirectory);
        if (!File.Exists(source))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(source)!);
            WriteCookie(source, RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 32));
        }
        var target = CookieFile(memberDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // The old one is read-only to us: replaced, not overwritten.
        File.Delete(target);
        WriteCookie(target, File.ReadAllText(source));
    }

    private static string CookieFile(string dataDirectory) => Path.Combine(dataDirectory, "home", ".erlang.cookie");

    private static void WriteCookie(string path, string cookie)
    {
        File.WriteAllText(path, cookie);
        // Erlang refuses a cookie others can read.
        UnixProcesses.SetFileMode(path, UnixFileMode.UserRead);
    }

    /// <summary>
    /// The node's environment, shared with rabbitmqctl (same HOME for the cookie). The caller adds the
    /// ports, set explicitly: epmd's (<c>ERL_EPMD_PORT</c>, never a system epmd's 4369) and Erlang
    /// distribution's (<c>RABBITMQ_DIST_PORT</c>; its default, AMQP port + 20000, overflows for high ports).
    /// </summary>
    public static Dictionary<string, string> Environment(string dataDirectory) => new()
    {
        ["HOME"] = Path.Combine(dataDirectory, "home"),
        ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODENAME"] = NodeName(dataDirectory),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dataDirectory, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(dataDirectory, "log"),
        // Without ".conf": RabbitMQ appends it.
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(dataDirectory, "rabbitmq"),
        ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(dataDirectory, "advanced.config"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(dataDirectory, "enabled_plugins"),
        ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(dataDirectory, "rabbitmq-env.conf"),
        ["RABBITMQ_PID_FILE"] = Path.Combine(dataDirectory, "rabbitmq.pid"),
        // Erlang distribution listens on every interface unless told otherwise.
        ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
        // The CLI tools warn and mangle non-ASCII paths under a latin1 locale.
        ["LANG"] = "C.UTF-8",
        ["LC_ALL"] = "C.UTF-8",
    };
}
