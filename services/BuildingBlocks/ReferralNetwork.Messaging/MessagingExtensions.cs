using Marten;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace ReferralNetwork.Messaging;

public static class MessagingExtensions
{
    /// <summary>The tag MassTransit gives the health check it registers for each bus.</summary>
    private const string MassTransitHealthCheckTag = "masstransit";

    /// <summary>Every node of a RabbitMQ cluster as <c>host:port</c>, the connection string's credentials used on each.</summary>
    public const string BrokerNodesSetting = "Messaging:BrokerNodes";

    /// <summary>
    /// MassTransit on RabbitMQ (ConnectionStrings:rabbitmq). Every consumer runs inside the
    /// <see cref="Inbox{TMessage}"/> and retries only <see cref="TransientFailures"/>. The bus connects in
    /// the background; until it has, <c>broker</c> reports degraded and the relay keeps what it has to publish.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder, string serviceName, Action<IBusRegistrationConfigurator> consumers)
    {
        var uri = builder.Configuration.GetConnectionString("rabbitmq")
            ?? throw new InvalidOperationException("ConnectionStrings:rabbitmq is not set.");
        // A cluster's nodes (host:port) when the connection string names only one of them; absent where one
        // address fronts the whole cluster (a Kubernetes service).
        var brokerNodes = builder.Configuration.GetSection(BrokerNodesSetting).Get<string[]>() ?? [];

        builder.Services.AddMessagingOptions();
        builder.Services.AddSingleton(new Erasure.MessagingService(serviceName));
        builder.Services.ConfigureMarten(opts =>
        {
            opts.Schema.For<HandledMessage>();
            opts.Schema.For<UnpublishedEvent>();
        });
        builder.Services.AddInboxExpiry();

        builder.Services.AddMassTransit(x =>
        {
            // MassTransit otherwise reports usage over the internet.
            x.DisableUsageTelemetry();
            // Queue names carry the service, so each service gets its own copy of every event it consumes.
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, false));
            consumers(x);

            x.AddConfigureEndpointsCallback((context, queue, endpoint) =>
            {
                var options = context.GetRequiredService<IOptions<MessagingOptions>>().Value;
                // Outside everything: one message of a stream at a time, through its retries and its wait.
                StreamOrder.Keep(endpoint);
                // Around the retries: what they could not get through waits on the broker, not in _error.
                new WaitingRoom(options, context.GetRequiredService<ILogger<WaitingRoom>>(), context.GetRequiredService<IMeterFactory>()).Around(endpoint);
                // In this order, so each retry runs the inbox (and the consumer) again in a fresh scope and session.
                endpoint.UseMessageRetry(r => r.Intervals(options.RetryIntervals).Handle<Exception>(TransientFailures.IsTransient));
                endpoint.UseConsumeFilter(typeof(Inbox<>), context);
                endpoint.UseInMemoryOutbox(context);
                // A failed message goes to the queue's _error with its exception; a Fault<T> copy published to
                // the broker would carry the message to exchanges no consumer reads and the service may not write.
                endpoint.PublishFaults = false;
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    ConsumerQueue.Configure(rabbit, queue);
                }
            });

            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(new Uri(uri), h =>
                {
                    h.PublisherConfirmation = true;
                    if (brokerNodes.Length > 0)
                    {
                        // The bus then connects to any node that answers, and reconnects to another when its node fails.
                        h.UseCluster(cluster =>
                        {
                            foreach (var node in brokerNodes)
                            {
                                cluster.Node(node);
                            }
                        });
                    }
                });
                // The bus's own (temporary) endpoint is named after the service like its queues, which is
                // what the service's broker user may declare and read; MassTransit would name it after the machine.
                cfg.OverrideDefaultBusEndpointQueueName($"{serviceName}-bus-{NewId.Next():N}");
                cfg.SendTopology.ConfigureErrorSettings = ConsumerQueue.AsDeadLetterQueue;
                cfg.SendTopology.ConfigureDeadLetterSettings = ConsumerQueue.AsDeadLetterQueue;
                cfg.ConfigureEndpoints(context);
            });
        });

        // "broker" replaces MassTransit's own bus check (see BrokerHealthCheck), with the same readiness tag.
        builder.Services.AddHealthChecks().AddCheck<BrokerHealthCheck>("broker", tags: ["ready"]);
        builder.Services.PostConfigure<HealthCheckServiceOptions>(o =>
        {
            foreach (var own in o.Registrations.Where(r => r.Tags.Contains(MassTransitHealthCheckTag)).ToList())
            {
                o.Registrations.Remove(own);
            }
        });

        builder.Services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            // The bus starts, and reconnects, in the background: a service started while the broker is down
            // serves its API (the event log is the outbox) instead of failing its start and crash-looping.
            o.WaitUntilStarted = false;
            o.StopTimeout = TimeSpan.FromSeconds(20);
        });
        return builder;
    }

    /// <summary>
    /// The event log as the outbox: <see cref="IntegrationEventRelay"/> publishes what <paramref name="map"/>
    /// turns into integration events, from the store's async daemon.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression PublishIntegrationEvents(
        this MartenServiceCollectionExtensions.MartenConfigurationExpression marten, IIntegrationEventMap map, IConfiguration configuration)
    {
        marten.Services.AddSingleton(Erasure.PersonErasures.WithErasureReceipts(map));
        marten.Services.AddRelayOptions();
        marten.Services.AddHealthChecks().AddCheck<SetAsideEventsHealthCheck>("relay", tags: ["ready"]);
        marten.Services.AddHostedService<SetAsideEventsRetry>();
        // Read once here as well: the page size is fixed when the subscription is registered.
        var batchSize = configuration.GetSection(RelayOptions.Section).Get<RelayOptions>()?.BatchSize ?? new RelayOptions().BatchSize;
        return marten.AddSubscriptionWithServices<IntegrationEventRelay>(ServiceLifetime.Singleton, o =>
        {
            o.IncludeArchivedEvents = false;
            o.Options.BatchSize = batchSize;
        });
    }
}
