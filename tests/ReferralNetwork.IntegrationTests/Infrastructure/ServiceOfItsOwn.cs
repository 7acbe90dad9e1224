using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Reflection;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using ReferralNetwork.Contracts;
using ReferralNetwork.Hosting;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.Referrals.Referrals;

namespace ReferralNetwork.IntegrationTests.Infrastructure;

/// <summary>The referral or link-worker service alone, started by <see cref="ServiceOfItsOwn{TEntryPoint}"/>.</summary>
public static class ServiceOfItsOwn
{
    /// <param name="settings">Configuration for the service, e.g. <c>("Database:StatementTimeout", "00:00:02")</c>.</param>
    public static Task<ServiceOfItsOwn<ReferralEvents>> ReferralsAsync(RealInfrastructure infrastructure, params (string Key, string Value)[] settings) =>
        Referrals(infrastructure, brokerFirst: true, settings);

    /// <summary>The referral service started while its broker is not running yet (<see cref="ServiceOfItsOwn{T}.StartBrokerAsync"/> starts it).</summary>
    public static Task<ServiceOfItsOwn<ReferralEvents>> ReferralsWithoutBrokerAsync(RealInfrastructure infrastructure) =>
        Referrals(infrastructure, brokerFirst: false, []);

    /// <param name="settings">Configuration for the service, e.g. <c>("Reconciliation:Grace", "00:00:03")</c>.</param>
    public static Task<ServiceOfItsOwn<CaseEvents>> LinkWorkersAsync(RealInfrastructure infrastructure, params (string Key, string Value)[] settings) =>
        ServiceOfItsOwn<CaseEvents>.StartAsync(infrastructure, infrastructure.LinkWorkers, "linkworkersdb", "ReferralNetwork.Contracts.LinkWorkers", brokerFirst: true, settings);

    private static Task<ServiceOfItsOwn<ReferralEvents>> Referrals(RealInfrastructure infrastructure, bool brokerFirst, (string Key, string Value)[] settings) =>
        ServiceOfItsOwn<ReferralEvents>.StartAsync(infrastructure, infrastructure.Referrals, "referralsdb", "ReferralNetwork.Contracts.Referrals", brokerFirst, settings);
}

/// <summary>
/// One service alone, on a database and a broker of its own and with settings of the test's, so what its event log,
/// daemon and consumers do is the test's alone; with an observer of what its relay publishes, which the test also
/// publishes through, as the other services would.
/// </summary>
public sealed class ServiceOfItsOwn<TEntryPoint> : IAsyncDisposable
    where TEntryPoint : class
{
    private static readonly MethodInfo ObserveMethod = typeof(ServiceOfItsOwn<TEntryPoint>).GetMethod(nameof(Observe), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private readonly RealInfrastructure infrastructure;
    private readonly string dataDirectory;
    private readonly IReadOnlyList<Type> relayed;
    private RabbitMqBroker? broker;
    private int brokerPort;
    private IBusControl? observer;
    private WebApplicationFactory<TEntryPoint>? host;

    private ServiceOfItsOwn(RealInfrastructure infrastructure, string dataDirectory, IReadOnlyList<Type> relayed)
    {
        this.infrastructure = infrastructure;
        this.dataDirectory = dataDirectory;
        this.relayed = relayed;
    }

    /// <summary>Every integration event the relay published, with its MessageId.</summary>
    public ConcurrentQueue<ObservedMessage> Published { get; } = new();

    /// <summary>What the service logged at warning or above.</summary>
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Warnings { get; } = new();

    public IServiceProvider Services => host!.Services;

    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();

    /// <summary>The service's own broker, to stop and start.</summary>
    public RabbitMqBroker Broker => broker!;

    internal static async Task<ServiceOfItsOwn<TEntryPoint>> StartAsync(
        RealInfrastructure infrastructure, WebApplicationFactory<TEntryPoint> shared, string connectionName, string publishedNamespace, bool brokerFirst,
        (string Key, string Value)[] settings)
    {
        var name = "own" + Guid.NewGuid().ToString("N")[..8];
        // Whatever its relay may publish is observed, so no publish of it waits for a queue (the relay's publishes are mandatory).
        var relayed = typeof(OrganisationKind).Assembly.GetTypes().Where(t => t.Namespace == publishedNamespace && t.GetProperty("At") is not null).ToList();
        var service = new ServiceOfItsOwn<TEntryPoint>(infrastructure, Path.Combine("/var/tmp/referral-network-tests", name), relayed) { brokerPort = LoopbackPorts.FindFree() };
        try
        {
            if (brokerFirst)
            {
                await service.StartBrokerAsync();
            }

            var database = connectionName + "_" + name;
            await infrastructure.Postgres.EnsureDatabaseAsync(database);
            service.host = shared.WithWebHostBuilder(b =>
            {
                b.UseSetting($"ConnectionStrings:{connectionName}", infrastructure.Postgres.ConnectionString(database))
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
                foreach (var type in relayed)
                {
                    ObserveMethod.MakeGenericMethod(type).Invoke(this, [e]);
                }
            });
        });
        await observer.StartAsync();
    }

    /// <summary>
    /// Once every queue of the service is consumed (the bus connects in the background): what is published before
    /// its queues are bound reaches nobody.
    /// </summary>
    public Task WhenConsumingAsync() => Eventually.GetAsync(async () =>
    {
        var report = await Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == "broker");
        return report.Status == HealthStatus.Healthy ? "consuming" : null;
    }, "the service's queues to be consumed");

    /// <summary>Publishes on the service's own broker, as another service's relay would there.</summary>
    public Task PublishAsync<T>(T message) where T : class => observer!.Publish(message, ctx => ctx.MessageId = Guid.NewGuid());

    public HttpClient ClientFor(Guid organisation, OrganisationKind kind, string area, string name = "Riverside Surgery")
    {
        var client = host!.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, kind, area, name));
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
            Published.Enqueue(new ObservedMessage(ctx.MessageId, ctx.Message, Messaging.StreamOrder.KeyOf(ctx)));
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
