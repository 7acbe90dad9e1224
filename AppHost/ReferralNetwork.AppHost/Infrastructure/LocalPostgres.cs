using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.AppHost.Infrastructure;

/// <summary>
/// PostgreSQL run from the OS's binaries as an Aspire executable (there is no container runtime
/// here, so not <c>AddPostgres</c>): its cluster in the data folder, listening on 127.0.0.1 only.
/// </summary>
public sealed class PostgresServerResource(string name, string clusterDirectory, ParameterResource password)
    : ExecutableResource(name, "/bin/bash", clusterDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public string ClusterDirectory { get; } = clusterDirectory;

    public ParameterResource Password { get; } = password;

    public EndpointReference Endpoint => field ??= new EndpointReference(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create(
            $"Host={Endpoint.Property(EndpointProperty.Host)};Port={Endpoint.Property(EndpointProperty.Port)};Username={PostgresCluster.Superuser};Password={Password}");
}

/// <summary>One service's database on a <see cref="PostgresServerResource"/>; created when the server is ready.</summary>
public sealed class PostgresDatabaseResource(string name, PostgresServerResource parent)
    : Resource(name), IResourceWithParent<PostgresServerResource>, IResourceWithConnectionString
{
    public PostgresServerResource Parent { get; } = parent;

    public string DatabaseName => Name;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}

public static class LocalPostgresExtensions
{
    /// <summary>
    /// Runs as a wrapper shell: PostgreSQL treats SIGTERM (what DCP sends to stop) as a "smart"
    /// shutdown that waits for every pooled client to leave, so DCP would SIGKILL it seconds later
    /// and leave the cluster to recover. The wrapper turns SIGTERM into SIGINT, a fast shutdown.
    /// </summary>
    private const string FastShutdownWrapper = """
        "$@" &
        server=$!
        trap 'kill -INT "$server" 2>/dev/null' TERM INT
        wait "$server"; status=$?
        while kill -0 "$server" 2>/dev/null; do wait "$server"; status=$?; done
        exit "$status"
        """;

    public static IResourceBuilder<PostgresServerResource> AddLocalPostgres(
        this IDistributedApplicationBuilder builder, string name, string dataDirectory, IResourceBuilder<ParameterResource> password, int? port)
    {
        var clusterDirectory = Path.Combine(dataDirectory, name);
        var server = new PostgresServerResource(name, clusterDirectory, password.Resource);
        var binaries = PostgresCluster.FindBinDirectory();
        var runAsServerUser = UnixProcesses.IsRoot;

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server, async (_, ct) =>
        {
            var superuserPassword = await password.Resource.GetValueAsync(ct) ?? throw new InvalidOperationException("The PostgreSQL password parameter has no value.");
            await PostgresCluster.PrepareClusterAsync(binaries, clusterDirectory, superuserPassword, ct);
        });

        string? serverConnectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(server, async (_, ct) =>
            serverConnectionString = await server.ConnectionStringExpression.GetValueAsync(ct));
        // Every time the server becomes ready, a first start or one after a crash: creating is idempotent.
        builder.Eventing.Subscribe<ResourceReadyEvent>(server, async (ready, ct) =>
        {
            var notifications = ready.Services.GetRequiredService<ResourceNotificationService>();
            foreach (var database in builder.Resources.OfType<PostgresDatabaseResource>().Where(d => d.Parent == server))
            {
                await PostgresCluster.EnsureDatabaseOnServerAsync(serverConnectionString!, database.DatabaseName, ct);
                await notifications.PublishUpdateAsync(database, s => s with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow });
            }
        });
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddNpgSql(
            _ => serverConnectionString ?? throw new InvalidOperationException("PostgreSQL's address is not known yet."),
            name: healthCheck,
            configure: connection => connection.ConnectionString = new NpgsqlConnectionStringBuilder(connection.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString);

        return builder.AddResource(server)
            .WithEndpoint(PostgresServerResource.EndpointName, e =>
            {
                e.Port = port;
                e.TargetPort = port;
                e.IsProxied = false;
                e.UriScheme = "tcp";
                e.TargetHost = "127.0.0.1";
            })
            .WithArgs(context =>
            {
                context.Args.Add("-c");
                context.Args.Add(FastShutdownWrapper);
                context.Args.Add("postgres-server");
                if (runAsServerUser)
                {
                    // initdb and postgres refuse to run as root; setpriv replaces itself with the server,
                    // so the wrapper's signals reach PostgreSQL itself.
                    context.Args.Add("setpriv");
                    context.Args.Add($"--reuid={PostgresCluster.ServerOsUser}");
                    context.Args.Add($"--regid={PostgresCluster.ServerOsUser}");
                    context.Args.Add("--init-groups");
                }
                context.Args.Add(Path.Combine(binaries, "postgres"));
                foreach (var argument in PostgresCluster.ServerArguments(clusterDirectory))
                {
                    context.Args.Add(argument);
                }
                context.Args.Add("-p");
                context.Args.Add(server.Endpoint.Property(EndpointProperty.TargetPort));
            })
            .WithHealthCheck(healthCheck)
            .WithIconName("DatabaseMultiple");
    }

    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name)
    {
        var database = new PostgresDatabaseResource(name, server.Resource);
        string? connectionString = null;
        server.ApplicationBuilder.Eventing.Subscribe<ConnectionStringAvailableEvent>(database, async (_, ct) =>
            connectionString = await database.ConnectionStringExpression.GetValueAsync(ct));
        var healthCheck = $"{name}_check";
        server.ApplicationBuilder.Services.AddHealthChecks().AddNpgSql(
            _ => connectionString ?? throw new InvalidOperationException($"The address of database {name} is not known yet."),
            name: healthCheck);
        return server.ApplicationBuilder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.NotStarted,
                Properties = [new(CustomResourceKnownProperties.Source, server.Resource.Name)],
            })
            .WithHealthCheck(healthCheck)
            .WithIconName("Database");
    }

    /// <summary>An existing server given by connection string: its databases are created on it the same way.</summary>
    public static IResourceBuilder<ConnectionStringResource> AddExternalPostgresDatabase(
        this IDistributedApplicationBuilder builder, string name, string serverConnectionString)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
        var database = builder.AddConnectionString(name, ReferenceExpression.Create($"{connectionString}"));
        builder.Eventing.Subscribe<BeforeStartEvent>(async (_, ct) => await PostgresCluster.EnsureDatabaseOnServerAsync(serverConnectionString, name, ct));
        return database;
    }
}
