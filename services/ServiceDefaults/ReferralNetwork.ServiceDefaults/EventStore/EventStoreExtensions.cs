using JasperFx;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Configuration;
using Weasel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReferralNetwork.ServiceDefaults.Http;
using ReferralNetwork.ServiceDefaults.Messaging;

namespace ReferralNetwork.ServiceDefaults.EventStore;

public static class EventStoreExtensions
{
    /// <summary>
    /// The service's own Marten event store on its own database (ConnectionStrings:{connectionName}),
    /// with the event log as the outbox: <see cref="IntegrationEventRelay"/> publishes what
    /// <paramref name="map"/> turns into integration events, from one async daemon (Solo).
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddEventStore(
        this IHostApplicationBuilder builder, string connectionName, IIntegrationEventMap map, Action<StoreOptions> configure)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not set.");

        builder.Services.AddSingleton(map);
        builder.Services.AddRelayOptions();
        builder.Services.AddHealthChecks()
            .AddCheck("database", new DatabaseHealthCheck(connectionString), tags: ["ready"])
            .AddCheck<SubscriptionsHealthCheck>("subscriptions", tags: ["ready"]);

        var marten = builder.Services.AddMarten(opts =>
            {
                opts.Connection(connectionString);
                opts.UseSystemTextJsonForSerialization(EnumStorage.AsString);
                opts.Events.UseMandatoryStreamTypeDeclaration = true;
                // Trace context and correlation travel in event headers so the relay can continue the trace.
                opts.Events.MetadataConfig.HeadersEnabled = true;
                opts.Events.MetadataConfig.CorrelationIdEnabled = true;
                opts.Events.MetadataConfig.CausationIdEnabled = true;
                opts.Projections.Errors.SkipApplyErrors = false;
                opts.Schema.For<HandledMessage>();
                opts.Schema.For<IdempotentResponse>();
                opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                configure(opts);
            })
            .UseLightweightSessions()
            .BuildSessionsWith<TracedSessionFactory>()
            .ApplyAllDatabaseChangesOnStartup()
            .AddSubscriptionWithServices<IntegrationEventRelay>(ServiceLifetime.Singleton, o =>
            {
                o.IncludeArchivedEvents = false;
                o.Options.BatchSize = 100;
            })
            .AddAsyncDaemon(DaemonMode.Solo);

        // Registered after Marten's own hosted services, so the schema exists before the first reading.
        builder.Services.AddSingleton<SubscriptionLagWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SubscriptionLagWatcher>());
        return marten;
    }
}
