using ReferralNetwork.AppHost;
using ReferralNetwork.AppHost.Infrastructure;
using ReferralNetwork.AppHost.Supervision;

LaunchArguments launch;
try
{
    launch = LaunchArguments.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine();
    Console.Error.WriteLine(LaunchArguments.Usage);
    return 2;
}
if (launch.Help)
{
    Console.WriteLine(LaunchArguments.Usage);
    return 0;
}

// Aspire gets no arguments: the command line is ours, parsed above.
var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = [] });
var data = await DataFolder.ChooseAsync(launch.DataDirectory, ownPostgres: launch.ExternalPostgres is null);
builder.ConfigureLocalDashboard(launch);

// Secrets: kept in the data folder so tokens, partners' credentials and the servers' data survive restarts.
var signingKey = TokenSigningKey.LoadOrCreate(data);
var tokenSigningKey = builder.AddSecret("token-signing-key", signingKey.PrivateKeyBase64);
var chosenOperatorSecret = Environment.GetEnvironmentVariable("OPERATOR_CLIENT_SECRET") is { Length: > 0 } chosen ? chosen : null;
var operatorSecret = builder.AddSecret("operator-client-secret", chosenOperatorSecret ?? data.Secret("operator-client-secret"));
// Encrypts the authorization codes of the gateway's OpenID Connect server for people: kept, so a restart
// does not void codes in flight (and a second replica would need the same).
var peopleCodeKey = builder.AddSecret("people-code-encryption-key", data.Secret("people-code-encryption-key"));

// The event stores: one PostgreSQL, one database per service and one for the gateway's registry.
var postgres = launch.ExternalPostgres is null
    ? builder.AddLocalPostgres("postgres", data.Path, builder.AddSecret("postgres-password", data.Secret("postgres-password")), LaunchArguments.Port(launch.PostgresPort, 55432))
        .WithRestartOnCrash()
    : null;
// One resource per database however many instances of its service use it.
var databases = new Dictionary<string, IResourceBuilder<IResourceWithConnectionString>>();
IResourceBuilder<IResourceWithConnectionString> Database(string name) => databases.TryGetValue(name, out var known)
    ? known
    : databases[name] = postgres is not null ? postgres.AddDatabase(name) : builder.AddExternalPostgresDatabase(name, launch.ExternalPostgres!);

// The broker the services' integration events travel on, with its management page and queue depths.
// Each service connects as a user of its own that may publish only its own context's events and read only
// its own queues and the events it consumes (BrokerAccess). An external broker's users are its operator's.
var rabbitmq = launch.ExternalRabbitMq is null
    ? builder.AddLocalRabbitMq("rabbitmq", data.Path, builder.AddSecret("rabbitmq-password", data.Secret("rabbitmq-password")),
            LaunchArguments.Port(launch.RabbitMqPort, 55672), LaunchArguments.Port(launch.RabbitMqManagementPort, 55673))
        .WithRestartOnCrash()
        .WithQueueMetricsAndCommands()
    : null;
// With --broker-nodes 3, two more nodes join the first: the services know all three, and losing one loses nothing.
if (rabbitmq is not null && launch.BrokerNodes > 1)
{
    // Next to the first node's port only when one was asked for: the defaults' next port is the management UI's.
    foreach (var node in rabbitmq.AddClusterNodes(launch.BrokerNodes, data.Path, launch.RabbitMqPort is > 0 ? launch.RabbitMqPort : null))
    {
        node.WithRestartOnCrash();
    }
}
var externalRabbitMq = launch.ExternalRabbitMq is { } externalBroker
    ? builder.AddConnectionString("rabbitmq", ReferenceExpression.Create($"{externalBroker}"))
    : null;
var brokerUsers = new Dictionary<string, IResourceBuilder<IResourceWithConnectionString>>();
IResourceBuilder<IResourceWithConnectionString> Broker(BrokerAccess access) => brokerUsers.TryGetValue(access.User, out var known)
    ? known
    : brokerUsers[access.User] = rabbitmq is not null
        ? rabbitmq.AddServiceUser(access, builder.AddSecret($"rabbitmq-{access.User}-password", data.Secret($"rabbitmq-{access.User}-password")))
        : externalRabbitMq!;

// The services, consumers before producers, one after another on a first start (their queues are declared
// with the broker, so the order is only to spread the start's work); with --instances, several of each.
var firstServicePort = LaunchArguments.Port(launch.FirstServicePort, 5101);
const int ServiceInstancePortStep = 10;
var linkWorkers = builder.AddNetworkService<Projects.ReferralNetwork_LinkWorkers>("linkworkers", Offset(firstServicePort, 1), signingKey, launch.Instances, ServiceInstancePortStep, s => s
    .WithDatabase(Database("linkworkersdb"))
    .WithBroker(Broker(BrokerAccess.LinkWorkers)));
var communityProviders = builder.AddNetworkService<Projects.ReferralNetwork_CommunityProviders>("communityproviders", Offset(firstServicePort, 2), signingKey, launch.Instances, ServiceInstancePortStep, s => s
    .WithDatabase(Database("providersdb"))
    .WithBroker(Broker(BrokerAccess.CommunityProviders))
    .WaitBeforeFirstStart(linkWorkers.First));
var feedback = builder.AddNetworkService<Projects.ReferralNetwork_Feedback>("feedback", Offset(firstServicePort, 3), signingKey, launch.Instances, ServiceInstancePortStep, s => s
    .WithDatabase(Database("feedbackdb"))
    .WithBroker(Broker(BrokerAccess.Feedback))
    .WaitBeforeFirstStart(communityProviders.First));
var referrals = builder.AddNetworkService<Projects.ReferralNetwork_Referrals>("referrals", Offset(firstServicePort, 0), signingKey, launch.Instances, ServiceInstancePortStep, s => s
    .WithDatabase(Database("referralsdb"))
    .WithBroker(Broker(BrokerAccess.Referrals))
    .WaitBeforeFirstStart(feedback.First));

// The web app people use, signed in as themselves at the gateway's OpenID Connect server; it calls the
// partner API with their tokens and is served through the gateway at /app. One instance: its sessions are
// kept in its memory (docs/design.md).
const string WebClientId = "referral-network-web";
var webClientSecret = builder.AddSecret("web-client-secret", data.Secret("web-client-secret"));
var webApp = builder.AddNetworkService<Projects.ReferralNetwork_Web>("webapp", Offset(firstServicePort, 4), signingKey, 1, ServiceInstancePortStep, w => w
    .WithEnvironment("Web__ClientSecret", webClientSecret)
    // Plain HTTP to the gateway on loopback, as below.
    .WithEnvironment("Web__AllowHttp", "true"));

// The gateway partners call: tokens, the organisation registry, and routes to the four services and the web app.
// Its further instances listen on the next ports; partners and people reach the first, as they would a load balancer.
IResourceBuilder<ProjectResource>? publicGateway = null;
var gateway = builder.AddNetworkService<Projects.ReferralNetwork_Gateway>("gateway", LaunchArguments.Port(launch.GatewayPort, 8080), signingKey, launch.Instances, 1, g => g
    .WithDatabase(Database("gatewaydb"))
    .WithBroker(Broker(BrokerAccess.Gateway))
    .WithEnvironment("Auth__PrivateKey", tokenSigningKey)
    .WithEnvironment("OPERATOR_CLIENT_SECRET", operatorSecret)
    .WithEnvironment("People__CodeEncryptionKey", peopleCodeKey)
    // The AppHost serves the gateway over plain HTTP on loopback only; anywhere else it sits behind TLS.
    .WithEnvironment("People__AllowHttp", "true")
    .WithPeopleClient(WebClientId, webClientSecret, (publicGateway ??= g).GetEndpoint("http"))
    .RoutesTo(referrals, linkWorkers, communityProviders, feedback, webApp));
webApp.First.SignsPeopleInAt(gateway.First, WebClientId);
gateway.First
    .WithDemoOrganisations(operatorSecret, data, registerAtStart: launch.Demo)
    .WithStartupSummary(operatorSecret, data, generatedSecret: chosenOperatorSecret is null);

// Or the services' telemetry goes to the operator's own collector, over OTLP/HTTP.
if (launch.OtlpEndpoint is { } otlpEndpoint)
{
    foreach (var service in new[] { linkWorkers, communityProviders, feedback, referrals, webApp, gateway }.SelectMany(s => s.All))
    {
        service.WithOtlpEndpoint(otlpEndpoint);
    }
}

builder.Build().Run();
return 0;

static int? Offset(int? first, int offset) => first is { } port ? port + offset : null;
