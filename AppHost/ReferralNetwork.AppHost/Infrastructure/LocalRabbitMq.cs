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

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(broker, async (_, ct) =>
        {
            var secret = await password.Resource.GetValueAsync(ct) ?? throw new InvalidOperationException("The RabbitMQ password parameter has no value.");
            RabbitMqNode.WriteConfiguration(nodeDirectory, broker.Amqp.Port, broker.Management.Port, (RabbitMqServerResource.UserName, secret));
        });

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(broker, async (_, ct) =>
            connectionString = await broker.ConnectionStringExpression.GetValueAsync(ct));
        // Every time the broker becomes ready, a first start or one after a crash: each call is idempotent.
        builder.Eventing.Subscribe<ResourceReadyEvent>(broker, async (ready, ct) =>
        {
            var log = ready.Services.GetRequiredService<ResourceLoggerService>().GetLogger(broker);
            var notifications = ready.Services.GetRequiredService<ResourceNotificationService>();
            var users = builder.Resources.OfType<RabbitMqUserResource>().Where(u => u.Parent == broker).ToList();
            try
            {
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
        });
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheck,
            _ => new AmqpHealthCheck(() => connectionString),
            failureStatus: null,
            tags: null));

        return builder.AddResource(broker)
            // The management page first: it is the link an operator opens.
            .WithEndpoint(RabbitMqServerResource.ManagementEndpointName, e => Loopback(e, managementPort, "http"))
            .WithEndpoint(RabbitMqServerResource.AmqpEndpointName, e => Loopback(e, amqpPort, "amqp"))
            .WithEndpoint(RabbitMqServerResource.DistributionEndpointName, e => Loopback(e, null, "tcp"))
            .WithUrlForEndpoint(RabbitMqServerResource.ManagementEndpointName, url => url.DisplayText = "Management: queues, moving messages")
            // Erlang's own port: nothing for an operator to open.
            .WithUrlForEndpoint(RabbitMqServerResource.DistributionEndpointName, url => url.DisplayLocation = UrlDisplayLocation.DetailsOnly)
            .WithEnvironment(context =>
            {
                foreach (var (key, value) in RabbitMqNode.Environment(nodeDirectory))
                {
                    context.EnvironmentVariables[key] = value;
                }
                context.EnvironmentVariables["ERL_EPMD_PORT"] = epmd.Resource.Endpoint.Property(EndpointProperty.TargetPort);
                context.EnvironmentVariables["RABBITMQ_DIST_PORT"] = broker.GetEndpoint(RabbitMqServerResource.DistributionEndpointName).Property(EndpointProperty.TargetPort);
            })
            .WithHealthCheck(healthCheck)
            .WaitFor(epmd)
            .WithIconName("Mailbox");
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
        string? connectionString = null;
        broker.ApplicationBuilder.Eventing.Subscribe<ConnectionStringAvailableEvent>(user, async (_, ct) =>
            connectionString = await user.ConnectionStringExpression.GetValueAsync(ct));
        var healthCheck = $"{name}_check";
        broker.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheck,
            _ => new AmqpHealthCheck(() => connectionString),
            failureStatus: null,
            tags: null));
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
