using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace ReferralNetwork.ServiceDefaults.Messaging;

public static class MessagingExtensions
{
    /// <summary>The tag MassTransit gives the health check it registers for each bus.</summary>
    private const string MassTransitHealthCheckTag = "masstransit";

    /// <summary>
    /// MassTransit on RabbitMQ (ConnectionStrings:rabbitmq). Register before the event store so the bus
    /// is up (and this service's queues are bound) before the relay publishes anything.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder, string serviceName, Action<IBusRegistrationConfigurator> consumers)
    {
        var uri = builder.Configuration.GetConnectionString("rabbitmq")
            ?? throw new InvalidOperationException("ConnectionStrings:rabbitmq is not set.");

        builder.Services.AddMassTransit(x =>
        {
            // MassTransit otherwise reports usage over the internet.
            x.DisableUsageTelemetry();
            // Queue names carry the service, so each service gets its own copy of every event it consumes.
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, false));
            consumers(x);

            x.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                endpoint.UseMessageRetry(r => r.Intervals(100, 500, 1000, 2000, 5000));
                endpoint.UseInMemoryOutbox(context);
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    // A single local node: quorum without a replication factor.
                    rabbit.SetQuorumQueue();
                }
            });

            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(new Uri(uri), h => h.PublisherConfirmation = true);
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
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(20);
        });
        return builder;
    }
}
