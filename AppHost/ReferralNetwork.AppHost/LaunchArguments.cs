using System.Globalization;

namespace ReferralNetwork.AppHost;

/// <summary>The AppHost's command line.</summary>
public sealed record LaunchArguments
{
    public const string Usage = """
        Runs the whole referral network locally under .NET Aspire: PostgreSQL, RabbitMQ, the four
        services and the gateway, with the Aspire dashboard for operators.

        Usage: ./scripts/start.sh [options]
           or: dotnet AppHost/ReferralNetwork.AppHost/bin/Release/net10.0/ReferralNetwork.AppHost.dll [options]

        Options:
          --demo                    register demo organisations, services and link workers (area liverpool-north)
                                    through the gateway and write their credentials to <data>/demo-credentials.json
          --data <dir>              data folder (default: <repo>/.data, or /var/tmp/referral-network/<hash>
                                    when running as root and the postgres OS user cannot reach the repository)
          --gateway-port <port>     default 8080
          --service-port <port>     first service port (referrals; then linkworkers, communityproviders, feedback), default 5101
          --instances <n>           run n instances (1 to 4, default 1) of each service and of the gateway, the second on
                                    the service's port + 10 (5111…, gateway 8081), and so on; the gateways balance over
                                    the services' instances, and each service's background work runs in one of them
          --postgres-port <port>    default 55432
          --rabbitmq-port <port>    default 55672
          --rabbitmq-management-port <port>
                                    RabbitMQ's management UI and HTTP API on http://127.0.0.1:<port>, default 55673
          --broker-nodes <n>        1 (default) or 3: run RabbitMQ as a cluster of three nodes (rabbitmq, rabbitmq-2,
                                    rabbitmq-3) that loses nothing when one fails; the other two listen for AMQP on the
                                    --rabbitmq-port +1 and +2 when it is given, else on free ports
          --dashboard-port <port>   the Aspire dashboard on http://127.0.0.1:<port>, default 18888
          --otlp-port <port>        the dashboard's OTLP/gRPC receiver the services export to, default 18889
          --otlp-endpoint <url>     export the services' telemetry to this OTLP/HTTP endpoint instead of the dashboard
          --postgres <connstring>   use this PostgreSQL server instead of starting one (databases are created on it)
          --rabbitmq <uri>          use this RabbitMQ instead of starting one (amqp://user:password@host:port/); every
                                    service then connects as that one user (docs/security.md, "Broker trust")
          -h, --help                show this help
        A port of 0 lets the AppHost choose a free one.

        Environment:
          OPERATOR_CLIENT_SECRET    the operator client's secret; generated and kept in the data folder when unset
        """;

    public bool Demo { get; init; }

    public bool Help { get; init; }

    public string? DataDirectory { get; init; }

    public int? GatewayPort { get; init; }

    public int? FirstServicePort { get; init; }

    public int Instances { get; init; } = 1;

    public int? PostgresPort { get; init; }

    public int? RabbitMqPort { get; init; }

    public int? RabbitMqManagementPort { get; init; }

    public string? OtlpEndpoint { get; init; }

    public int? OtlpPort { get; init; }

    public int? DashboardPort { get; init; }

    public string? ExternalPostgres { get; init; }

    public string? ExternalRabbitMq { get; init; }

    /// <summary>How many local RabbitMQ nodes form the broker: 1, or 3 to survive losing any one.</summary>
    public int BrokerNodes { get; init; } = 1;

    /// <summary>The port to listen on: the default when none was asked for, null (any free one) for 0.</summary>
    public static int? Port(int? requested, int fallback) => requested switch
    {
        null => fallback,
        0 => null,
        var port => port,
    };

    /// <summary>Parses <c>--name value</c> and <c>--name=value</c>; throws <see cref="FormatException"/> with a user-facing message.</summary>
    public static LaunchArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new LaunchArguments();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = Split(args[i]);
            string Value()
            {
                if (inlineValue is not null)
                {
                    return inlineValue;
                }
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new FormatException($"{name} needs a value.");
                }
                return args[++i];
            }
            int Port()
            {
                var text = Value();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and < 65536
                    ? port
                    : throw new FormatException($"{name}: '{text}' is not a TCP port.");
            }
            parsed = name switch
            {
                "--demo" => parsed with { Demo = true },
                "-h" or "--help" or "-?" => parsed with { Help = true },
                "--data" => parsed with { DataDirectory = Value() },
                "--gateway-port" => parsed with { GatewayPort = Port() },
                "--service-port" => parsed with { FirstServicePort = Port() },
                "--instances" => parsed with { Instances = Count(Value()) },
                "--postgres-port" => parsed with { PostgresPort = Port() },
                "--rabbitmq-port" => parsed with { RabbitMqPort = Port() },
                "--rabbitmq-management-port" => parsed with { RabbitMqManagementPort = Port() },
                "--otlp-endpoint" => parsed with { OtlpEndpoint = Value() },
                "--otlp-port" => parsed with { OtlpPort = Port() },
                "--dashboard-port" => parsed with { DashboardPort = Port() },
                "--postgres" => parsed with { ExternalPostgres = Value() },
                "--rabbitmq" => parsed with { ExternalRabbitMq = Value() },
                "--broker-nodes" => parsed with { BrokerNodes = NodeCount(name, Value()) },
                _ => throw new FormatException($"Unknown option '{args[i]}'."),
            };
        }
        if (parsed.BrokerNodes > 1 && parsed.ExternalRabbitMq is not null)
        {
            throw new FormatException("--broker-nodes starts local RabbitMQ nodes; it cannot be used with --rabbitmq.");
        }
        if (parsed is { BrokerNodes: > 1, RabbitMqPort: > 0 and var amqp }
            && Port(parsed.RabbitMqManagementPort, 55673) is { } management
            && management > amqp && management < amqp + parsed.BrokerNodes)
        {
            throw new FormatException(
                $"--broker-nodes {parsed.BrokerNodes} puts the other nodes on AMQP ports {amqp + 1}-{amqp + parsed.BrokerNodes - 1}, which holds the management port {management}; choose another --rabbitmq-management-port.");
        }
        return parsed;
    }

    private static int Count(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= 4
            ? count
            : throw new FormatException($"--instances: '{text}' is not a number from 1 to 4.");

    /// <summary>One node, or three: two would stop taking messages when either fails (a quorum of two needs both).</summary>
    private static int NodeCount(string name, string text) => text switch
    {
        "1" => 1,
        "3" => 3,
        _ => throw new FormatException($"{name}: '{text}' is not a node count the AppHost runs; use 1 (one node) or 3 (a cluster that survives losing any one node)."),
    };

    private static (string Name, string? Value) Split(string argument)
    {
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        return argument.StartsWith("--", StringComparison.Ordinal) && equals > 0
            ? (argument[..equals], argument[(equals + 1)..])
            : (argument, null);
    }
}
