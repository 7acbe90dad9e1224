using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ReferralNetwork.Contracts;
using ReferralNetwork.Hosting;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.IntegrationTests.Infrastructure;

/// <summary>
/// A real PostgreSQL and RabbitMQ of the tests' own (prepared as the AppHost prepares its own), the four services
/// hosted in-process against them, and an observer bus that records every integration event published.
/// </summary>
public sealed class RealInfrastructure : IAsyncLifetime
{
    private readonly string dataDirectory = Path.Combine("/var/tmp/referral-network-tests", "integration-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly RSA signingKey = RSA.Create(2048);
    private IBusControl? observerBus;

    public PostgresServer Postgres { get; private set; } = null!;

    public RabbitMqBroker Broker { get; private set; } = null!;

    public IBus Bus => observerBus!;

    /// <summary>Every integration event seen on the broker, with its MessageId.</summary>
    public ConcurrentQueue<ObservedMessage> Published { get; } = new();

    public WebApplicationFactory<ReferralNetwork.Referrals.Referrals.ReferralEvents> Referrals { get; private set; } = null!;

    public WebApplicationFactory<ReferralNetwork.LinkWorkers.Cases.CaseEvents> LinkWorkers { get; private set; } = null!;

    public WebApplicationFactory<ReferralNetwork.CommunityProviders.ProviderEvents> CommunityProviders { get; private set; } = null!;

    public WebApplicationFactory<ReferralNetwork.Feedback.FeedbackEvents> Feedback { get; private set; } = null!;

    public const string WebAppClientId = "webapp";
    public const string WebAppRedirectUri = "https://webapp.test/signin-oidc";
    public const string WebAppSignedOutUri = "https://webapp.test/signed-out";

    public string WebAppSecret { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(33));

    /// <summary>The operator client's secret, as the gateway is configured.</summary>
    public string OperatorSecret { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    private WebApplicationFactory<ReferralNetwork.Gateway.Organisations.OrganisationEvents>? gateway;

    /// <summary>The gateway, started by the first test that needs it (most tests call the services directly).</summary>
    public WebApplicationFactory<ReferralNetwork.Gateway.Organisations.OrganisationEvents> Gateway
    {
        get
        {
            lock (signingKey)
            {
                return gateway ??= Started(new WebApplicationFactory<ReferralNetwork.Gateway.Organisations.OrganisationEvents>());
            }
        }
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(dataDirectory);
        var postgres = PostgresServer.StartAsync(Path.Combine(dataDirectory, "postgres"), LoopbackPorts.FindFree());
        var amqpPort = LoopbackPorts.FindFree();
        // With the management API, which BrokerQueueTests read queue depths from.
        var broker = RabbitMqBroker.StartAsync(Path.Combine(dataDirectory, "rabbitmq"), amqpPort, LocalPorts.FindFreeExcept([amqpPort]));
        Postgres = await postgres;
        Broker = await broker;

        foreach (var database in new[] { "referralsdb", "linkworkersdb", "providersdb", "feedbackdb", "gatewaydb" })
        {
            await Postgres.EnsureDatabaseAsync(database);
            Environment.SetEnvironmentVariable($"ConnectionStrings__{database}", Postgres.ConnectionString(database));
        }

        Environment.SetEnvironmentVariable("ConnectionStrings__rabbitmq", Broker.ConnectionString);
        Environment.SetEnvironmentVariable("Auth__PublicKey", Convert.ToBase64String(signingKey.ExportSubjectPublicKeyInfo()));
        // The gateway's only: it signs the network's tokens with the same key the services check them with.
        Environment.SetEnvironmentVariable("Auth__PrivateKey", Convert.ToBase64String(signingKey.ExportPkcs8PrivateKey()));
        Environment.SetEnvironmentVariable("OPERATOR_CLIENT_SECRET", OperatorSecret);
        // The gateway's OpenID Connect server: the key for its codes, and a web app that people sign in to.
        Environment.SetEnvironmentVariable("People__CodeEncryptionKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        Environment.SetEnvironmentVariable($"People__Clients__{WebAppClientId}__Secret", WebAppSecret);
        Environment.SetEnvironmentVariable($"People__Clients__{WebAppClientId}__RedirectUris__0", WebAppRedirectUri);
        Environment.SetEnvironmentVariable($"People__Clients__{WebAppClientId}__PostLogoutRedirectUris__0", WebAppSignedOutUri);
        // Every test's requests reach the in-process gateway from one (unknown) address: its per-address limits are for partners.
        Environment.SetEnvironmentVariable("RateLimits__AnonymousPerMinute", "100000");
        Environment.SetEnvironmentVariable("RateLimits__TokenPerMinute", "100000");
        Environment.SetEnvironmentVariable("MASSTRANSIT_USAGE_TELEMETRY", "false");
        // A message that waits for a redelivery comes back within a test's patience (30 s by default).
        Environment.SetEnvironmentVariable("Messaging__RedeliveryDelay", "00:00:05");
        // The tests' webhook receivers listen on loopback, which the referral service refuses unless told.
        Environment.SetEnvironmentVariable("Webhooks__AllowLoopbackReceivers", "true");

        // The observer's queue must be bound before anything publishes, or those messages are lost to it.
        observerBus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri(Broker.ConnectionString));
            cfg.ReceiveEndpoint("integration-tests-observer", e =>
            {
                Observe<Contracts.Referrals.ReferralRequested>(e);
                Observe<Contracts.LinkWorkers.ReferralRouted>(e);
                Observe<Contracts.LinkWorkers.ReferralAccepted>(e);
                Observe<Contracts.LinkWorkers.ContactAttempted>(e);
                Observe<Contracts.LinkWorkers.OnwardReferralRequested>(e);
                Observe<Contracts.CommunityProviders.CommunityServiceListed>(e);
                Observe<Contracts.CommunityProviders.OnwardReferralAcknowledged>(e);
                Observe<Contracts.Feedback.OutcomeRecorded>(e);
                Observe<Contracts.Erasure.PersonErasureCompleted>(e);
            });
        });
        await observerBus.StartAsync();

        // Consumers before producers, as in the AppHost; touching Server starts each host.
        LinkWorkers = Started(new WebApplicationFactory<ReferralNetwork.LinkWorkers.Cases.CaseEvents>());
        CommunityProviders = Started(new WebApplicationFactory<ReferralNetwork.CommunityProviders.ProviderEvents>());
        Feedback = Started(new WebApplicationFactory<ReferralNetwork.Feedback.FeedbackEvents>());
        Referrals = Started(new WebApplicationFactory<ReferralNetwork.Referrals.Referrals.ReferralEvents>());

        // The buses connect in the background; a message published before a service's queues exist would reach no one.
        foreach (var services in new[] { LinkWorkers.Services, CommunityProviders.Services, Feedback.Services, Referrals.Services })
        {
            var health = await services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));
            if (health != BusHealthStatus.Healthy)
            {
                throw new InvalidOperationException($"A service's bus did not connect within 60 s: {health}.");
            }
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var host in new IAsyncDisposable?[] { gateway, Referrals, Feedback, CommunityProviders, LinkWorkers })
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }

        if (observerBus is not null)
        {
            await observerBus.StopAsync();
        }

        await Broker.DisposeAsync();
        await Postgres.DisposeAsync();
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover folder under /var/tmp is harmless.
        }
    }

    /// <summary>A token as the gateway would issue it to an organisation, or to one of its people when <paramref name="person"/> is given.</summary>
    /// <remarks>The gateway also wants the organisation's credential <paramref name="generation"/>; the services ignore it.</remarks>
    public string TokenFor(Guid organisationId, OrganisationKind kind, string area = "liverpool-north", string name = "Test organisation", Guid? person = null, int? generation = null)
    {
        var handler = new JsonWebTokenHandler();
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = NetworkTokens.Issuer,
            Audience = NetworkTokens.Audience,
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signingKey), SecurityAlgorithms.RsaSha256),
            Subject = new ClaimsIdentity(
            [
                new Claim("sub", organisationId.ToString()),
                new Claim(NetworkTokens.OrganisationClaim, organisationId.ToString()),
                new Claim(NetworkTokens.KindClaim, OrganisationKinds.ToWire(kind)),
                new Claim(NetworkTokens.AreaClaim, area),
                new Claim(NetworkTokens.NameClaim, name),
                .. person is { } id ? [new Claim(NetworkTokens.PersonClaim, id.ToString())] : Array.Empty<Claim>(),
                .. generation is { } g ? [new Claim(NetworkTokens.GenerationClaim, g.ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer32)] : Array.Empty<Claim>(),
            ]),
        });
    }

    public IEnumerable<(Guid? MessageId, T Message)> PublishedOf<T>() =>
        Published.Where(p => p.Message is T).Select(p => (p.MessageId, (T)p.Message));

    /// <summary>Waits for an integration event of type <typeparamref name="T"/> matching <paramref name="match"/> to cross the broker.</summary>
    public async Task<(Guid? MessageId, T Message)> WaitForPublishedAsync<T>(Func<T, bool> match, int seconds = 30)
    {
        var found = await Eventually.GetAsync(
            () => Published.FirstOrDefault(p => p.Message is T message && match(message)),
            $"{typeof(T).Name} on the broker", seconds);
        return (found.MessageId, (T)found.Message);
    }

    /// <summary>Publishes as another service's relay would: the same MessageId marks a redelivery.</summary>
    /// <summary>Registers a link-worker service for <paramref name="area"/> and waits until the link-worker service's copy knows it.</summary>
    public async Task<Guid> LinkWorkerServiceKnownAsync(string area)
    {
        var service = Guid.NewGuid();
        await PublishAsync(new Contracts.Organisations.OrganisationRegistered(service, "North Link Workers", OrganisationKind.LinkWorkerService, area, DateTimeOffset.UtcNow), Guid.NewGuid());
        var store = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Marten.IDocumentStore>(LinkWorkers.Services);
        await Eventually.GetAsync(async () =>
        {
            await using var s = store.QuerySession();
            return await s.LoadAsync<ReferralNetwork.LinkWorkers.Network.AreaOrganisation>(service);
        }, "the organisation copy");
        return service;
    }

    public Task PublishAsync<T>(T message, Guid messageId) where T : class =>
        Bus.Publish(message, ctx => ctx.MessageId = messageId);

    private static WebApplicationFactory<T> Started<T>(WebApplicationFactory<T> host) where T : class
    {
        _ = host.Server;
        return host;
    }

    private void Observe<T>(IReceiveEndpointConfigurator endpoint) where T : class =>
        endpoint.Handler<T>(ctx =>
        {
            Published.Enqueue(new ObservedMessage(ctx.MessageId, ctx.Message, Messaging.StreamOrder.KeyOf(ctx)));
            return Task.CompletedTask;
        });
}

/// <summary>A message seen on the broker, with the stream its event was appended to (<see cref="Messaging.StreamOrder"/>).</summary>
public sealed record ObservedMessage(Guid? MessageId, object Message, Guid Stream);

[CollectionDefinition(Name)]
public sealed class RealInfrastructureCollection : ICollectionFixture<RealInfrastructure>
{
    public const string Name = "real infrastructure";
}
