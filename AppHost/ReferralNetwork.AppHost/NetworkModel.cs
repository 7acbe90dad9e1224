using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.AppHost.Supervision;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.AppHost;

/// <summary>The building blocks <c>Program.cs</c> models the network with.</summary>
public static class NetworkModel
{
    public const string OperatorClientId = "operator";

    /// <summary>A secret parameter whose value the AppHost keeps (in the data folder), not the user's secrets store.</summary>
    public static IResourceBuilder<ParameterResource> AddSecret(this IDistributedApplicationBuilder builder, string name, string value)
    {
        builder.Configuration[$"Parameters:{name}"] = value;
        return builder.AddParameter(name, secret: true);
    }

    /// <summary>
    /// The Aspire dashboard and its OTLP receiver on loopback over plain HTTP (there is no certificate
    /// to trust here; the dashboard still asks for its login token), and no calls to the internet.
    /// </summary>
    public static void ConfigureLocalDashboard(this IDistributedApplicationBuilder builder, LaunchArguments launch)
    {
        static int Choose(int? requested, int fallback) => LaunchArguments.Port(requested, fallback) ?? LoopbackPorts.FindFree();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Choose(launch.DashboardPort, 18888)}",
            ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{Choose(launch.OtlpPort, 18889)}",
            ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://127.0.0.1:{LoopbackPorts.FindFree()}",
            ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
            ["ASPIRE_VERSION_CHECK_DISABLED"] = "true",
        });
    }

    /// <summary>
    /// One of the network's ASP.NET Core services: its HTTP endpoint on loopback, health from its own
    /// /health, the token validation key, and restarted with backoff when it crashes. No launch profile,
    /// so it runs as Production: nothing about security depends on an environment's name.
    /// </summary>
#pragma warning disable ASPIRECERTIFICATES001 // WithoutHttpsCertificate is an evaluation API; without it Aspire warns of a development certificate nobody uses.
    public static IResourceBuilder<ProjectResource> AddNetworkService<TProject>(
        this IDistributedApplicationBuilder builder, string name, int? port, TokenSigningKey signingKey)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name, launchProfileName: null)
            .WithEndpoint("http", e =>
            {
                e.Port = port;
                e.TargetPort = port;
                e.IsProxied = false;
                e.UriScheme = "http";
                e.TargetHost = "127.0.0.1";
            })
            // Plain HTTP on loopback locally; TLS ends at the ingress in production (deploy/).
            .WithoutHttpsCertificate()
            .WithHttpHealthCheck("/health")
            .WithEnvironment("Auth__PublicKey", signingKey.PublicKeyBase64)
            // Neither MassTransit nor the .NET CLI that runs the project may report usage over the internet.
            .WithEnvironment("MASSTRANSIT_USAGE_TELEMETRY", "false")
            .WithEnvironment("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
            .WithEnvironment("DOTNET_NOLOGO", "1")
            // An operator watching the dashboard sees metrics every five seconds, not every minute.
            .WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", "5000")
            // One line per log entry reads far better in the dashboard's console view.
            .WithEnvironment("Logging__Console__FormatterName", "simple")
            .WithEnvironment("Logging__Console__FormatterOptions__SingleLine", "true")
            .WithRestartOnCrash();
#pragma warning restore ASPIRECERTIFICATES001

    /// <summary>Telemetry to an OTLP/HTTP collector of the operator's instead of the dashboard, without the dashboard's key.</summary>
    public static IResourceBuilder<ProjectResource> WithOtlpEndpoint(this IResourceBuilder<ProjectResource> service, string endpoint) =>
        service
            .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
            .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .WithEnvironment("OTEL_EXPORTER_OTLP_HEADERS", "");

    /// <summary>
    /// The broker as the service's own user (<c>ConnectionStrings__rabbitmq</c>), ready before the service first
    /// starts: the broker users exist only once the broker is up, and a login refused then is not retried by
    /// MassTransit. Not before a restart: a service restarted during a broker outage starts and serves its API
    /// at once (its bus connects when the broker is back), as one started without the AppHost would.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithBroker(this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString> broker)
    {
        service.WithReference(broker, connectionName: "rabbitmq");
        if (broker.Resource is Infrastructure.RabbitMqUserResource user)
        {
            // Of a cluster, every node (Messaging__BrokerNodes__0 = host:port, …): the bus reconnects to another
            // when the one it is on fails. Read when the service starts, so nodes added after this call count.
            service.WithEnvironment(context =>
            {
                var nodes = user.Parent.ClusterNodes;
                for (var i = 0; nodes.Count > 1 && i < nodes.Count; i++)
                {
                    var amqp = nodes[i].Amqp;
                    context.EnvironmentVariables[$"Messaging__BrokerNodes__{i}"] =
                        ReferenceExpression.Create($"{amqp.Property(EndpointProperty.Host)}:{amqp.Property(EndpointProperty.Port)}");
                }
            });
        }
        // An operator's external broker has no health of ours to wait for, only Aspire's own wait.
        return broker.Resource is Infrastructure.RabbitMqUserResource ? service.WaitBeforeFirstStart(broker) : service.WaitFor(broker);
    }

    /// <summary>
    /// Waits for <paramref name="dependency"/> to be healthy before <paramref name="resource"/> first starts, and
    /// never again. Aspire's WaitFor holds every start, restarts included, so a service that crashed while something
    /// it needs only at its first start was down (the broker, a service the gateway routes to) would stay down with it.
    /// </summary>
    public static IResourceBuilder<T> WaitBeforeFirstStart<T>(this IResourceBuilder<T> resource, IResourceBuilder<IResource> dependency)
        where T : IResource
    {
        Task? firstWait = null;
        resource.ApplicationBuilder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource.Resource, (started, ct) =>
        {
            if (firstWait is not { IsCompletedSuccessfully: true })
            {
                firstWait = started.Services.GetRequiredService<ResourceNotificationService>().WaitForResourceHealthyAsync(dependency.Resource.Name, ct);
            }
            return firstWait;
        });
        return resource.WithRelationship(dependency.Resource, "WaitsBeforeFirstStart");
    }

    /// <summary>The service's own database, created before it starts.</summary>
    public static IResourceBuilder<ProjectResource> WithDatabase(this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString> database) =>
        service.WithReference(database).WaitFor(database);

    /// <summary>
    /// <paramref name="count"/> instances of one of the network's programs, each configured by <paramref name="configure"/>
    /// and on a port of its own (<paramref name="port"/>, then <paramref name="portStep"/> apart), named
    /// <c>name</c>, <c>name-2</c>, …. With more than one, the service's background work (the async daemon, the
    /// once-per-service workers) runs only in the instance holding its leader lock.
    /// </summary>
    public static ServiceInstances AddNetworkService<TProject>(
        this IDistributedApplicationBuilder builder, string name, int? port, TokenSigningKey signingKey, int count, int portStep,
        Func<IResourceBuilder<ProjectResource>, IResourceBuilder<ProjectResource>> configure)
        where TProject : IProjectMetadata, new()
    {
        var instances = Enumerable.Range(0, count).Select(i =>
        {
            var instance = builder.AddNetworkService<TProject>(i == 0 ? name : $"{name}-{i + 1}", port + (i * portStep), signingKey);
            if (count > 1)
            {
                instance.WithEnvironment("BackgroundWork__Mode", "Leader");
            }
            return configure(instance);
        }).ToList();
        return new ServiceInstances(name, instances);
    }

    /// <summary>
    /// The gateway's reverse-proxy clusters, one per service with a destination per instance, each instance
    /// started and healthy before the gateway first starts.
    /// </summary>
    public static IResourceBuilder<ProjectResource> RoutesTo(this IResourceBuilder<ProjectResource> gateway, params ServiceInstances[] services)
    {
        foreach (var service in services)
        {
            foreach (var (instance, i) in service.All.Select((instance, i) => (instance, i)))
            {
                // "primary" for the first, as a gateway configured by hand names its single destination.
                var destination = i == 0 ? "primary" : $"instance-{i + 1}";
                gateway
                    .WithEnvironment($"ReverseProxy__Clusters__{service.Name}__Destinations__{destination}__Address", instance.GetEndpoint("http"))
                    .WithRelationship(instance.Resource, "Routes to")
                    .WaitBeforeFirstStart(instance);
            }
        }
        return gateway;
    }

    /// <summary>
    /// A web app people sign in to through the gateway: its client at the gateway's OpenID Connect server, with the
    /// addresses it may return to under the gateway's /app route at <paramref name="publicGateway"/> (where people's
    /// browsers reach the gateway, the same for every instance of it).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPeopleClient(
        this IResourceBuilder<ProjectResource> gateway, string clientId, IResourceBuilder<ParameterResource> secret, EndpointReference publicGateway) =>
        gateway
            .WithEnvironment($"People__Clients__{clientId}__Secret", secret)
            .WithEnvironment($"People__Clients__{clientId}__DisplayName", "Referral Network web app")
            .WithEnvironment($"People__Clients__{clientId}__RedirectUris__0", ReferenceExpression.Create($"{publicGateway}/app/signin-oidc"))
            .WithEnvironment($"People__Clients__{clientId}__PostLogoutRedirectUris__0", ReferenceExpression.Create($"{publicGateway}/app/signout-callback-oidc"));

    /// <summary>The web app's side of <see cref="WithPeopleClient"/>: the gateway's address, where it signs people in, and its client id.</summary>
    public static IResourceBuilder<ProjectResource> SignsPeopleInAt(this IResourceBuilder<ProjectResource> webApp, IResourceBuilder<ProjectResource> gateway, string clientId) =>
        webApp.WithEnvironment("Web__Gateway", gateway.GetEndpoint("http"))
            .WithEnvironment("Web__ClientId", clientId)
            .WithRelationship(gateway.Resource, "Signs people in at");

    /// <summary>
    /// The gateway's address, the operator's credentials and where things are, printed once the
    /// gateway is ready: what a person who just ran start.sh needs next.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithStartupSummary(
        this IResourceBuilder<ProjectResource> gateway, IResourceBuilder<ParameterResource> operatorSecret, DataFolder data, bool generatedSecret)
    {
        var configuration = gateway.ApplicationBuilder.Configuration;
        gateway.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(gateway.Resource, async (_, ct) =>
        {
            var url = gateway.GetEndpoint("http").Url;
            var secret = await operatorSecret.Resource.GetValueAsync(ct);
            var dashboard = configuration["ASPNETCORE_URLS"] is { } dashboardUrl && configuration["AppHost:BrowserToken"] is { } token
                ? $"{dashboardUrl}/login?t={token}"
                : "not running";
            var management = gateway.ApplicationBuilder.Resources.OfType<Infrastructure.RabbitMqServerResource>().FirstOrDefault() is { } broker && broker.Management.IsAllocated
                ? $"{broker.Management.Url} (user {Infrastructure.RabbitMqServerResource.UserName}, password in {Path.Combine(data.Path, "secrets", "rabbitmq-password")})"
                : "external broker";
            Console.WriteLine($"""

                ================================================================================
                 Referral Network is running
                   Dashboard        {dashboard}
                   Gateway          {url}   (health: {url}/health)
                   Web app          {url}/app/   (people sign in as themselves; invite them first, see the README)
                   Operator client  client_id={OperatorClientId}
                                    client_secret={secret}
                                    ({(generatedSecret ? "generated once, kept in " + Path.Combine(data.Path, "secrets", "operator-client-secret") : "from OPERATOR_CLIENT_SECRET")})
                   RabbitMQ UI      {management}
                   Data             {data.Path}
                 Ctrl+C stops everything.
                ================================================================================

                """);
        });
        return gateway;
    }

    /// <summary>
    /// A dashboard command on the gateway that registers the demo organisations through the partner API;
    /// with <paramref name="registerAtStart"/> it also runs as soon as the gateway is ready.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDemoOrganisations(
        this IResourceBuilder<ProjectResource> gateway, IResourceBuilder<ParameterResource> operatorSecret, DataFolder data, bool registerAtStart)
    {
        async Task<string> RegisterAsync(CancellationToken ct) =>
            await DemoNetwork.SeedAsync(
                gateway.GetEndpoint("http").Url,
                await operatorSecret.Resource.GetValueAsync(ct) ?? "",
                data.Path,
                Console.WriteLine,
                ct);

        if (registerAtStart)
        {
            gateway.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(gateway.Resource, async (_, ct) =>
                Console.WriteLine($"[demo] demo organisations and their credentials: {await RegisterAsync(ct)}"));
        }
        return gateway.WithCommand(
            "register-demo-organisations",
            "Register demo organisations",
            async context =>
            {
                try
                {
                    return CommandResults.Success($"Registered; credentials in {await RegisterAsync(context.CancellationToken)}");
                }
                catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException)
                {
                    return CommandResults.Failure(e.Message);
                }
            },
            new CommandOptions
            {
                Description = $"Registers a GP practice, social care, a link-worker service with two link workers, two providers with services and a commissioner in {DemoNetwork.Area}; safe to run again.",
                IconName = "PeopleAdd",
                UpdateState = context => context.ResourceSnapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                    ? ResourceCommandState.Enabled
                    : ResourceCommandState.Disabled,
            });
    }
}

/// <summary>The instances of one of the network's programs: the same settings, each on a port of its own.</summary>
public sealed record ServiceInstances(string Name, IReadOnlyList<IResourceBuilder<ProjectResource>> All)
{
    /// <summary>The one on the program's own port: what partners, people and the other instances' first starts reach.</summary>
    public IResourceBuilder<ProjectResource> First => All[0];
}
