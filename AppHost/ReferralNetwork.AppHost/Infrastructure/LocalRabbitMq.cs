using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using ReferralNetwork.AppHost.Supervision;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.AppHost.Infrastructure;

/// <summary>
/// RabbitMQ run from the OS's binaries as an Aspire executable (no container runtime here, so not
/// <c>AddRabbitMQ</c>): its state in the data folder, every listener on 127.0.0.1. Its connection
/// string is the administrator's, for the AppHost and operators only; each service connects as a
/// <see cref="RabbitMqUserResource"/> of its own.
/// </summary>
public sealed class RabbitMqServerResource(string name, string dataDirectory, ParameterResource password)
    : ExecutableResource(name, Path.Combine(RabbitMqNode.ScriptsDirectory, "rabbitmq-server"), dataDirectory), IResourceWithConnectionString
{
    /// <summary>The administrator: the management UI, the queue metrics and the move-back command.</summary>
    public const string UserName = "referral-network";
    public const string AmqpEndpointName = "amqp";
    public const string ManagementEndpointName = "management";
    public const string DistributionEndpointName = "distribution";

    public string DataDirectory { get; } = dataDirectory;

    public ParameterResource Password { get; } = password;

    /// <summary>On a cluster's first node, the nodes that join it (<c>--broker-nodes 3</c>); empty otherwise.</summary>
    public List<RabbitMqServerResource> OtherNodes { get; } = [];

    /// <summary>This node and those that join it, this one first.</summary>
    public IReadOnlyList<RabbitMqServerResource> ClusterNodes => [this, .. OtherNodes];

    /// <summary>The epmd every node of the cluster registers with.</summary>
    public EpmdResource? PortMapper { get; set; }

    /// <summary>The node's Erlang name, which its peers know it by.</summary>
    public string NodeName => RabbitMqNode.NodeName(DataDirectory);

    public EndpointReference Amqp => field ??= new EndpointReference(this, AmqpEndpointName);

    public EndpointReference Management => field ??= new EndpointReference(this, ManagementEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"amqp://{UserName}:{Password}@{Amqp.Property(EndpointProperty.Host)}:{Amqp.Property(EndpointProperty.Port)}/");
}

/// <summary>
/// One service's user on a <see cref="RabbitMqServerResource"/>, allowed only what its
/// <see cref="BrokerAccess"/> says; created, with its permissions, each time the broker is ready.
/// </summary>
public sealed class RabbitMqUserResource(string name, RabbitMqServerResource parent, BrokerAccess access, ParameterResource password)
    : Resource(name), IResourceWithParent<RabbitMqServerResource>, IResourceWithConnectionString
{
    public RabbitMqServerResource Parent { get; } = parent;

    public BrokerAccess Access { get; } = access;

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"amqp://{Access.User}:{Password}@{Parent.Amqp.Property(EndpointProperty.Host)}:{Parent.Amqp.Property(EndpointProperty.Port)}/");
}

/// <summary>
/// Erlang's port mapper for our node, as a resource of its own: started by the node, it would
/// daemonise and outlive everything (and listen on every interface).
/// </summary>
public sealed class EpmdResource(string name, string workingDirectory) : ExecutableResource(name, "epmd", workingDirectory)
{
    public EndpointReference Endpoint => field ??= new EndpointReference(this, "tcp");
}

public static class LocalRabbitMqExtensions
{
    public static IResourceBuilder<RabbitMqServerResource> AddLocalRabbitMq(
        this IDistributedApplicationBuilder builder, string name, string dataDirectory,
        IResourceBuilder<ParameterResource> password, int? amqpPort, int? managementPort)
    {
        RabbitMqNode.EnsureInstalled();
        var nodeDirectory = Path.Combine(dataDirectory, name);
        Directory.CreateDirectory(nodeDirectory);
        var broker = new RabbitMqServerResource(name, nodeDirectory, password.Resource);

        var epmd = builder.AddResource(new EpmdResource($"{name}-epmd", nodeDirectory))
            .WithEndpoint("tcp", e =>
            {
                e.IsProxied = false;
                e.UriScheme = "tcp";
                e.TargetHost = "127.0.0.1";
            })
            .WithArgs(context =>
            {
                context.Args.Add("-address");
                context.Args.Add("127.0.0.1");
                context.Args.Add("-port");
                context.Args.Add(((EpmdResource)context.Resource).Endpoint.Property(EndpointProperty.TargetPort));
            })
            .WithUrlForEndpoint("tcp", url => url.DisplayLocation = UrlDisplayLocation.DetailsOnly)
            .WithParentRelationship(broker)
            .WithIconName("PlugConnected")
            // Supervised like the node it serves: without it the node cannot start again.
            .WithRestartOnCrash();
        broker.PortMapper = epmd.Resource;

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(broker, async (_, ct) =>
        {
            var secret = await password.Resource.GetValueAsync(ct) ?? throw new InvalidOperationException("The RabbitMQ password parameter has no value.");
            RabbitMqNode.WriteConfiguration(nodeDirectory, broker.Amqp.Port, broker.Management.Port, (RabbitMqServerResource.UserName, secret), ClusterNames(broker));
        });

        // Every time the broker becomes ready, a first start or one after a crash: each call is idempotent.
        builder.Eventing.Subscribe<ResourceReadyEvent>(broker, (ready, ct) =>
        {
            var log = ready.Services.GetRequiredService<ResourceLoggerService>().GetLogger(broker);
            var notifications = ready.Services.GetRequiredService<ResourceNotificationService>();
            var users = builder.Resources.OfType<RabbitMqUserResource>().Where(u => u.Parent == broker).ToList();
            async Task SetUpAsync()
            {
                try
                {
                    if (broker.OtherNodes.Count > 0)
                    {
                        await AwaitClusterAsync(broker, log, ct);
                    }
                    await EnsureUsersAsync(broker, users, ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    // The users stay "not started", so the services wait for them; this says why.
                    log.LogError("[apphost] could not set up the services' broker users, so the services cannot start: {Problem}", e.Message);
                    return;
                }
                log.LogInformation("[apphost] broker users ready: {Users}; guest removed", string.Join(", ", users.Select(u => u.Access.User)));
                foreach (var user in users)
                {
                    await notifications.PublishUpdateAsync(user, s => s with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow });
                }
                if (broker.OtherNodes.Count > 0)
                {
                    await ReportReplicasAsync(broker, users, log, ct);
                }
            }
            // A cluster's other nodes first start once this one is healthy, which Aspire holds until this event's
            // handlers return: waiting here for them to join would wait for ever.
            if (broker.OtherNodes.Count > 0)
            {
                _ = Task.Run(SetUpAsync, ct);
                return Task.CompletedTask;
            }
            return SetUpAsync();
        });
        var healthCheck = builder.AddAmqpHealthCheck(broker);

        return builder.AddResource(broker)
            // The management page first: it is the link an operator opens.
            .WithEndpoint(RabbitMqServerResource.ManagementEndpointName, e => Loopback(e, managementPort, "http"))
            .WithEndpoint(RabbitMqServerResource.AmqpEndpointName, e => Loopback(e, amqpPort, "amqp"))
            .WithEndpoint(RabbitMqServerResource.DistributionEndpointName, e => Loopback(e, null, "tcp"))
            .WithUrlForEndpoint(RabbitMqServerResource.ManagementEndpointName, url => url.DisplayText = "Management: queues, moving messages")
            // Erlang's own port: nothing for an operator to open.
            .WithUrlForEndpoint(RabbitMqServerResource.DistributionEndpointName, url => url.DisplayLocation = UrlDisplayLocation.DetailsOnly)
            .WithEnvironment(context => NodeEnvironment(context, broker))
            .WithHealthCheck(healthCheck)
            .WaitFor(epmd)
            .WithIconName("Mailbox");
    }

    /// <summary>
    /// Makes <paramref name="first"/> the first of a cluster of <paramref name="nodes"/>: the others, named
    /// <c>rabbitmq-2</c>, <c>rabbitmq-3</c>, each with its own folder, AMQP port (the first's +1, +2 when it was
    /// given, else free ones) and Erlang distribution port, register with the first's epmd, share its cookie and
    /// join it on their first start. They carry no management UI (only its agent, so the first node's UI and
    /// queue metrics see the queues they lead) and no users of their own: users are the cluster's.
    /// </summary>
    public static IReadOnlyList<IResourceBuilder<RabbitMqServerResource>> AddClusterNodes(
        this IResourceBuilder<RabbitMqServerResource> first, int nodes, string dataDirectory, int? firstAmqpPort)
    {
        var builder = first.ApplicationBuilder;
        var epmd = first.Resource.PortMapper ?? throw new InvalidOperationException($"{first.Resource.Name} has no epmd.");
        var added = new List<IResourceBuilder<RabbitMqServerResource>>();
        for (var number = 2; number <= nodes; number++)
        {
            var name = $"{first.Resource.Name}-{number}";
            var nodeDirectory = Path.Combine(dataDirectory, name);
            Directory.CreateDirectory(nodeDirectory);
            var node = new RabbitMqServerResource(name, nodeDirectory, first.Resource.Password);
            first.Resource.OtherNodes.Add(node);
            // Now, before anything starts: the first node would otherwise make one of its own at the same time.
            RabbitMqNode.ShareCookie(first.Resource.DataDirectory, nodeDirectory);

            builder.Eventing.Subscribe<BeforeResourceStartedEvent>(node, async (started, ct) =>
            {
                // A blank node that reaches no peer boots a cluster of its own, so its first start waits for the
                // first node. Not later ones: with data it rejoins whichever peer runs, and the first node, if it
                // was not the last to stop, waits at its own boot for this one.
                if (!Directory.Exists(Path.Combine(nodeDirectory, "mnesia", node.NodeName)))
                {
                    await started.Services.GetRequiredService<ResourceNotificationService>().WaitForResourceHealthyAsync(first.Resource.Name, ct);
                }
                RabbitMqNode.ShareCookie(first.Resource.DataDirectory, nodeDirectory);
                RabbitMqNode.WriteConfiguration(nodeDirectory, node.Amqp.Port, managementPort: null, clusterNodes: ClusterNames(first.Resource));
            });

            var healthCheck = builder.AddAmqpHealthCheck(node);

            var amqpPort = firstAmqpPort is { } port ? port + number - 1 : (int?)null;
            added.Add(builder.AddResource(node)
                .WithEndpoint(RabbitMqServerResource.AmqpEndpointName, e => Loopback(e, amqpPort, "amqp"))
                .WithEndpoint(RabbitMqServerResource.DistributionEndpointName, e => Loopback(e, null, "tcp"))
                .WithUrlForEndpoint(RabbitMqServerResource.AmqpEndpointName, url => url.DisplayLocation = UrlDisplayLocation.DetailsOnly)
                .WithUrlForEndpoint(RabbitMqServerResource.DistributionEndpointName, url => url.DisplayLocation = UrlDisplayLocation.DetailsOnly)
                .WithEnvironment(context => NodeEnvironment(context, node, epmd))
                .WithHealthCheck(healthCheck)
                .WaitFor(builder.CreateResourceBuilder(epmd))
                .WithRelationship(first.Resource, "JoinsCluster")
                .WithIconName("Mailbox"));
        }
        return added;
    }

    /// <summary>Every member's Erlang name for the configuration's peer discovery; null for a single node.</summary>
    private static List<string>? ClusterNames(RabbitMqServerResource first) =>
        first.OtherNodes.Count == 0 ? null : [.. first.ClusterNodes.Select(n => n.NodeName)];

    /// <summary>The node's own folders and name, and the epmd and distribution ports it listens on.</summary>
    private static void NodeEnvironment(EnvironmentCallbackContext context, RabbitMqServerResource node, EpmdResource? epmd = null)
    {
        foreach (var (key, value) in RabbitMqNode.Environment(node.DataDirectory))
        {
            context.EnvironmentVariables[key] = value;
        }
        var portMapper = epmd ?? node.PortMapper ?? throw new InvalidOperationException($"{node.Name} has no epmd.");
        context.EnvironmentVariables["ERL_EPMD_PORT"] = portMapper.Endpoint.Property(EndpointProperty.TargetPort);
        context.EnvironmentVariables["RABBITMQ_DIST_PORT"] = node.GetEndpoint(RabbitMqServerResource.DistributionEndpointName).Property(EndpointProperty.TargetPort);
    }

    /// <summary>
    /// Waits, as long as a cluster's nodes take to start and join (a few minutes at most), until every member
    /// runs: a quorum queue gets its replicas on the nodes in the cluster when it is declared, and no more later.
    /// Declared anyway after that, with fewer replicas, rather than keep the services from starting.
    /// </summary>
    private static async Task AwaitClusterAsync(RabbitMqServerResource first, ILogger log, CancellationToken cancellationToken)
    {
        var expected = first.ClusterNodes.Select(n => n.NodeName).ToList();
        var administratorPassword = await first.Password.GetValueAsync(cancellationToken) ?? "";
        using var cluster = new BrokerCluster(first.Management.Url, RabbitMqServerResource.UserName, administratorPassword);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        IReadOnlyList<string> running = [];
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                running = await cluster.RunningNodesAsync(cancellationToken);
                if (expected.All(running.Contains))
                {
                    log.LogInformation("[apphost] broker cluster formed: {Nodes}", string.Join(", ", first.ClusterNodes.Select(n => $"{n.Name} ({n.NodeName})")));
                    return;
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is HttpRequestException or TaskCanceledException)
            {
                // The management API is still starting.
            }
            await Task.Delay(1000, cancellationToken);
        }
        log.LogWarning("[apphost] only {Running} of the broker cluster's {Expected} nodes run after 3 minutes; declaring the queues now, with fewer replicas",
            running.Count, expected.Count);
    }

    /// <summary>
    /// Says how many replicas the services' queues have, which an operator would otherwise look up queue by queue.
    /// Only information: a failure here keeps nothing from starting.
    /// </summary>
    private static async Task ReportReplicasAsync(RabbitMqServerResource first, IReadOnlyList<RabbitMqUserResource> users, ILogger log, CancellationToken cancellationToken)
    {
        try
        {
            var administratorPassword = await first.Password.GetValueAsync(cancellationToken) ?? "";
            using var cluster = new BrokerCluster(first.Management.Url, RabbitMqServerResource.UserName, administratorPassword);
            var replicas = new List<string>();
            foreach (var queue in users.SelectMany(u => u.Access.Queues))
            {
                var (members, _) = await cluster.QueueReplicasAsync(queue.Name, cancellationToken);
                replicas.Add($"{queue.Name}: {members.Count}");
            }
            log.LogInformation("[apphost] quorum queue replicas: {Replicas}", string.Join(", ", replicas));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is HttpRequestException or TaskCanceledException)
        {
            log.LogWarning("[apphost] could not read the queues' replicas: {Problem}", e.Message);
        }
    }

    /// <summary>
    /// A user of the service's own on the local broker, with a password kept by the AppHost, for
    /// <c>WithBroker</c>: healthy once it can log in.
    /// </summary>
    public static IResourceBuilder<RabbitMqUserResource> AddServiceUser(
        this IResourceBuilder<RabbitMqServerResource> broker, BrokerAccess access, IResourceBuilder<ParameterResource> password)
    {
        var name = $"{broker.Resource.Name}-{access.User}";
        var user = new RabbitMqUserResource(name, broker.Resource, access, password.Resource);
        var healthCheck = broker.ApplicationBuilder.AddAmqpHealthCheck(user);
        return broker.ApplicationBuilder.AddResource(user)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "RabbitMQUser",
                State = KnownResourceStates.NotStarted,
                Properties = [new(CustomResourceKnownProperties.Source, broker.Resource.Name)],
            })
            .WithHealthCheck(healthCheck)
            .WithIconName("Person");
    }

    /// <summary>
    /// Creates or updates each service's user and its permissions, deletes <c>guest</c>, and declares
    /// every service's queues and bindings (<see cref="BrokerTopology"/>), through the management API as
    /// the administrator. The API may start a moment after AMQP: it is retried for a minute.
    /// </summary>
    private static async Task EnsureUsersAsync(RabbitMqServerResource broker, IReadOnlyList<RabbitMqUserResource> users, CancellationToken cancellationToken)
    {
        var administratorPassword = await broker.Password.GetValueAsync(cancellationToken) ?? "";
        using var management = new BrokerUsers(broker.Management.Url, RabbitMqServerResource.UserName, administratorPassword);
        using var topology = new BrokerTopology(broker.Management.Url, RabbitMqServerResource.UserName, administratorPassword);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            try
            {
                foreach (var user in users)
                {
                    var password = await user.Password.GetValueAsync(cancellationToken) ?? throw new InvalidOperationException($"The password of broker user {user.Access.User} has no value.");
                    await management.EnsureUserAsync(user.Access.User, password, user.Access.Permissions, cancellationToken);
                }
                await management.DeleteUserAsync(BrokerUsers.Guest, cancellationToken);
                // Every consumer's queue before any service starts: an event published early reaches every queue meant to have it.
                foreach (var queue in users.SelectMany(u => u.Access.Queues))
                {
                    await topology.DeclareConsumerQueueAsync(queue.Name, queue.Consumes.Select(BrokerAccess.ExchangeOf), cancellationToken);
                }
                return;
            }
            catch (Exception e) when (DateTime.UtcNow < deadline && IsStarting(e))
            {
                await Task.Delay(500, cancellationToken);
            }
        }

        // Refused connections, timeouts and 503s while the management plugin starts; a 4xx is a mistake of ours.
        static bool IsStarting(Exception e) => e switch
        {
            HttpRequestException { StatusCode: null } => true,
            HttpRequestException { StatusCode: { } status } => (int)status >= 500,
            TaskCanceledException or TimeoutException => true,
            _ => false,
        };
    }

    private static void Loopback(EndpointAnnotation endpoint, int? port, string scheme)
    {
        endpoint.Port = port;
        endpoint.TargetPort = port;
        endpoint.IsProxied = false;
        endpoint.UriScheme = scheme;
        endpoint.TargetHost = "127.0.0.1";
    }

    /// <summary>
    /// A health check, named after <paramref name="resource"/>, that logs in to the broker with the resource's connection
    /// string once Aspire has worked it out; returns its name for <c>WithHealthCheck</c>.
    /// </summary>
    private static string AddAmqpHealthCheck(this IDistributedApplicationBuilder builder, IResourceWithConnectionString resource)
    {
        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(resource, async (_, ct) =>
            connectionString = await resource.ConnectionStringExpression.GetValueAsync(ct));
        var name = $"{resource.Name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            name,
            _ => new AmqpHealthCheck(() => connectionString),
            failureStatus: null,
            tags: null));
        return name;
    }

    /// <summary>Healthy once the node accepts an AMQP connection with our credentials.</summary>
    private sealed class AmqpHealthCheck(Func<string?> connectionString) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (connectionString() is not { } uri)
            {
                return HealthCheckResult.Unhealthy("The broker's address is not known yet.");
            }
            try
            {
                var factory = new ConnectionFactory { Uri = new Uri(uri), RequestedConnectionTimeout = TimeSpan.FromSeconds(3), AutomaticRecoveryEnabled = false };
                await using var connection = await factory.CreateConnectionAsync("apphost-health", cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException or TimeoutException or System.Net.Sockets.SocketException or RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                return HealthCheckResult.Unhealthy("The broker does not accept connections.", e);
            }
        }
    }
}
