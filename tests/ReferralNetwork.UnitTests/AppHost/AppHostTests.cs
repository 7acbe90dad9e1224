using ReferralNetwork.AppHost;
using ReferralNetwork.AppHost.Supervision;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.UnitTests.AppHost;

public class LaunchArgumentsTests
{
    [Fact]
    public void Ports_default_when_not_given_and_zero_means_any_free_one()
    {
        var parsed = LaunchArguments.Parse(["--gateway-port", "9090", "--postgres-port=0"]);

        Assert.Equal(9090, LaunchArguments.Port(parsed.GatewayPort, 8080));
        Assert.Null(LaunchArguments.Port(parsed.PostgresPort, 55432));
        Assert.Equal(55672, LaunchArguments.Port(parsed.RabbitMqPort, 55672));
    }

    [Theory]
    [InlineData("--gateway-port", "70000")]
    [InlineData("--gateway-port", "eighty")]
    [InlineData("--no-such-option", "1")]
    [InlineData("--instances", "0")]
    [InlineData("--instances", "5")]
    [InlineData("--instances", "two")]
    public void Bad_arguments_are_refused_with_a_message(string name, string value)
    {
        var refused = Assert.Throws<FormatException>(() => LaunchArguments.Parse([name, value]));
        Assert.Contains(name, refused.Message);
    }

    [Fact]
    public void The_broker_is_one_node_unless_three_are_asked_for()
    {
        Assert.Equal(1, LaunchArguments.Parse([]).BrokerNodes);
        Assert.Equal(3, LaunchArguments.Parse(["--broker-nodes", "3"]).BrokerNodes);
        Assert.Equal(1, LaunchArguments.Parse(["--broker-nodes=1"]).BrokerNodes);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("5")]
    [InlineData("three")]
    public void A_broker_cluster_of_another_size_is_refused_with_the_sizes_there_are(string nodes)
    {
        var refused = Assert.Throws<FormatException>(() => LaunchArguments.Parse(["--broker-nodes", nodes]));
        Assert.Contains("--broker-nodes", refused.Message);
        Assert.Contains("use 1 (one node) or 3", refused.Message);
    }

    [Fact]
    public void A_broker_cluster_next_to_the_management_port_is_refused()
    {
        var refused = Assert.Throws<FormatException>(() => LaunchArguments.Parse(["--broker-nodes", "3", "--rabbitmq-port", "55672"]));
        Assert.Contains("--rabbitmq-management-port", refused.Message);
        Assert.Equal(3, LaunchArguments.Parse(["--broker-nodes", "3", "--rabbitmq-port", "56000"]).BrokerNodes);
    }

    [Fact]
    public void A_broker_cluster_is_refused_with_an_external_broker()
    {
        Assert.Throws<FormatException>(() => LaunchArguments.Parse(["--broker-nodes", "3", "--rabbitmq", "amqp://u:p@broker:5672/"]));
    }

    [Fact]
    public void A_value_is_required_where_an_option_takes_one()
    {
        Assert.Throws<FormatException>(() => LaunchArguments.Parse(["--data"]));
        Assert.True(LaunchArguments.Parse(["--demo"]).Demo);
    }

    [Fact]
    public void One_instance_of_each_service_unless_more_are_asked_for()
    {
        Assert.Equal(1, LaunchArguments.Parse([]).Instances);
        Assert.Equal(2, LaunchArguments.Parse(["--instances", "2"]).Instances);
        Assert.Equal(4, LaunchArguments.Parse(["--instances=4"]).Instances);
    }
}

public class CrashRestartTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 32)]
    [InlineData(7, 60)]
    [InlineData(50, 60)]
    public void The_wait_before_a_restart_doubles_up_to_a_minute(int attempt, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), CrashRestarts.Backoff(attempt));
}

public sealed class DataFolderTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "data-folder-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void A_secret_is_generated_once_kept_for_its_owner_only_and_the_same_on_every_later_start()
    {
        var first = new DataFolder(folder).Secret("operator-client-secret");
        var again = new DataFolder(folder).Secret("operator-client-secret");
        var other = new DataFolder(folder).Secret("postgres-password");

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.True(first.Length >= 40);
        // URL-safe: it stands in amqp:// URIs and connection strings unescaped.
        Assert.Matches("^[A-Za-z0-9_-]+$", first);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, FileModes.Of(Path.Combine(folder, "secrets", "operator-client-secret")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, FileModes.Of(Path.Combine(folder, "secrets")));
    }

    [Fact]
    public void The_token_signing_key_survives_a_restart()
    {
        var data = new DataFolder(folder);
        var first = TokenSigningKey.LoadOrCreate(data);
        var again = TokenSigningKey.LoadOrCreate(data);

        Assert.Equal(first.PublicKeyBase64, again.PublicKeyBase64);
        Assert.Equal(first.PrivateKeyBase64, again.PrivateKeyBase64);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, FileModes.Of(Path.Combine(folder, "keys", "token-signing-key.pem")));
    }
}

public sealed class RabbitMqNodeTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "rabbitmq-node-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void The_node_listens_on_loopback_only_with_our_user_instead_of_guest()
    {
        RabbitMqNode.WriteConfiguration(folder, 55672, 55673, ("referral-network", "s3cret-value"));
        var configuration = File.ReadAllLines(Path.Combine(folder, "rabbitmq.conf"));

        Assert.Contains("listeners.tcp.default = 127.0.0.1:55672", configuration);
        Assert.Contains("management.tcp.ip = 127.0.0.1", configuration);
        Assert.Contains("management.tcp.port = 55673", configuration);
        Assert.Contains("default_user = referral-network", configuration);
        Assert.Contains("default_pass = s3cret-value", configuration);
        Assert.Contains("-kernel inet_dist_use_interface {127,0,0,1}", RabbitMqNode.Environment(folder)["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"]);
        Assert.Equal("127.0.0.1", RabbitMqNode.Environment(folder)["ERL_EPMD_ADDRESS"]);
        Assert.Equal(UnixFileMode.UserRead, FileModes.Of(Path.Combine(folder, "home", ".erlang.cookie")));
    }

    [Fact]
    public void Without_credentials_the_node_keeps_its_guest_user_for_the_tests_throwaway_brokers()
    {
        RabbitMqNode.WriteConfiguration(folder, 5672, null);

        var configuration = File.ReadAllText(Path.Combine(folder, "rabbitmq.conf"));
        Assert.DoesNotContain("default_user", configuration);
        Assert.DoesNotContain("management", configuration);
        Assert.Equal("[].\n", File.ReadAllText(Path.Combine(folder, "enabled_plugins")));
        Assert.DoesNotContain("cluster_formation", configuration);
    }

    [Fact]
    public void A_cluster_member_finds_its_peers_in_its_configuration_and_holds_the_first_nodes_cookie()
    {
        var first = Path.Combine(folder, "rabbitmq");
        var member = Path.Combine(folder, "rabbitmq-2");
        RabbitMqNode.WriteConfiguration(member, 55673, null, clusterNodes: ["rn-1@localhost", "rn-2@localhost"]);
        RabbitMqNode.ShareCookie(first, member);

        var configuration = File.ReadAllLines(Path.Combine(member, "rabbitmq.conf"));
        Assert.Contains("cluster_formation.peer_discovery_backend = classic_config", configuration);
        Assert.Contains("cluster_formation.classic_config.nodes.1 = rn-1@localhost", configuration);
        Assert.Contains("cluster_formation.classic_config.nodes.2 = rn-2@localhost", configuration);
        // No UI, but the agent the first node's UI reads this node's queues through.
        Assert.Equal("[rabbitmq_management_agent].\n", File.ReadAllText(Path.Combine(member, "enabled_plugins")));
        var cookie = Path.Combine(member, "home", ".erlang.cookie");
        Assert.Equal(File.ReadAllText(Path.Combine(first, "home", ".erlang.cookie")), File.ReadAllText(cookie));
        Assert.Equal(UnixFileMode.UserRead, FileModes.Of(cookie));
    }
}

internal static class FileModes
{
    public static UnixFileMode Of(string path) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException("The network runs on Linux.") : File.GetUnixFileMode(path);
}
