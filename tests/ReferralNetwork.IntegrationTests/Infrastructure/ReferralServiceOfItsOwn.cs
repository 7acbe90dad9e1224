using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReferralNetwork.Contracts;
using ReferralNetwork.Hosting;
using Published = ReferralNetwork.Contracts.Referrals;

namespace ReferralNetwork.IntegrationTests.Infrastructure;

/// <summary>
/// The referral service alone, on a database and a broker of its own and with settings of the test's, so what
/// its event log and daemon do is the test's alone; with an observer of what its relay publishes.
/// </summary>
public sealed class ReferralServiceOfItsOwn : IAsyncDisposable
{
    private readonly RealInfrastructure infrastructure;
    private readonly string dataDirectory;
    private RabbitMqBroker? broker;
    private int brokerPort;
    private IBusControl? observer;
    private WebApplicationFactory<ReferralNetwork.Referrals.Referrals.ReferralEvents>? host;

    private ReferralServiceOfItsOwn(RealInfrastructure infrastructure, string dataDirectory)
    {
        this.infrastructure = infrastructure;
        this.dataDirectory = dataDirectory;
    }

    /// <summary>Every integration event the relay published, with its MessageId.</summary>
    public ConcurrentQueue<ObservedMessage> Published { get; } = new();

    /// <summary>What the service logged at warning or above.</summary>
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Warnings { get; } = new();

    public IServiceProvider Services => host!.Services;

    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();

    /// <summary>The service's own broker, to stop and start.</summary>
    public RabbitMqBroker Broker => broker!;

    /// <param name="settings">Configuration for the service, e.g. <c>("Database:StatementTimeout", "00:00:02")</c>.</param>
    public static Task<ReferralServiceOfItsOwn> StartAsync(RealInfrastructure infrastructure, params (string Key, string Value)[] settings) =>
        StartAsync(infrastructure, brokerFirst: true, settings);

    /// <summary>The service started while its broker is not running yet (<see cref="StartBrokerAsync"/> starts it).</summary>
    public static Task<ReferralServiceOfItsOwn> StartWithoutBrokerAsync(RealInfrastructure infrastructure) =>
        StartAsync(infrastructure, brokerFirst: false, []);

    private static async Task<ReferralServiceOfItsOwn> StartAsync(RealInfrastructure infrastructure, bool brokerFirst, (string Key, string Value)[] settings)
    {
        var name = "own" + Guid.NewGuid().ToString("N")[..8];
        var service = new ReferralServiceOfItsOwn(infrastructure, Path.Combine("/var/tmp/referral-network-tests", name)) { brokerPort = LoopbackPorts.FindFree() };
        try
        {
            if (brokerFirst)
            {
                await service.StartBrokerAsync();
            }

            var database = "referralsdb_" + name;
            await infrastructure.Postgres.EnsureDatabaseAsync(database);
            service.host = infrastructure.Referrals.WithWebHostBuilder(b =>
            {
                b.UseSetting("ConnectionStrings:referralsdb", infrastructure.Postgres.ConnectionString(database))
                    .UseSetting("ConnectionStrings:rabbitmq", $"amqp://{RabbitMqBroker.UserName}:{RabbitMqBroker.Password}@127.0.0.1:{service.brokerPort}/");
                foreach (var (key, value) in settings)
                {
                    b.UseSetting(key, value);
                }

                b.ConfigureLogging(logging => logging.AddProvider(new WarningCollector(service.Warnings)));
            });
            _ = service.host.Server;
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the service's broker on its port, with the tests' observer bound.</summary>
    public async Task StartBrokerAsync()
    {
        broker = await RabbitMqBroker.StartAsync(Path.Combine(dataDirectory, "rabbitmq"), brokerPort);
        // Bound before the service's relay can reach the broker, so nothing it publishes is lost to it.
        observer = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri(broker.ConnectionString));
            cfg.ReceiveEndpoint("tests-observer", e =>
            {
                Observe<Published.ReferralRequested>(e);
                Observe<Published.ReferralCancelled>(e);
            });
        });
        await observer.StartAsync();
    }

    public HttpClient ClientFor(Guid organisation, OrganisationKind kind, string area)
    {
        var client = host!.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, kind, area, "Riverside Surgery"));
        return client;
    }

    public IEnumerable<(Guid? MessageId, T Message)> PublishedOf<T>() =>
        Published.Where(p => p.Message is T).Select(p => (p.MessageId, (T)p.Message));

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }

        if (observer is not null)
        {
            await observer.StopAsync();
        }

        if (broker is not null)
        {
            await broker.DisposeAsync();
        }

        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover folder under /var/tmp is harmless.
        }
    }

    private void Observe<T>(IReceiveEndpointConfigurator endpoint) where T : class =>
        endpoint.Handler<T>(ctx =>
        {
            Published.Enqueue(new ObservedMessage(ctx.MessageId, ctx.Message));
            return Task.CompletedTask;
        });

    private sealed class WarningCollector(ConcurrentQueue<(string, LogLevel, string)> warnings) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Collector(categoryName, warnings);

        public void Dispose()
        {
        }

        private sealed class Collector(string category, ConcurrentQueue<(string, LogLevel, string)> warnings) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    warnings.Enqueue((category, logLevel, formatter(state, exception)));
                }
            }
        }
    }
}
