using JasperFx;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Weasel.Core;

namespace ReferralNetwork.EventSourcing;

public static class EventStoreExtensions
{
    /// <summary>
    /// The service's own Marten event store on its own database (ConnectionStrings:{connectionName}),
    /// with one async daemon (Solo) for its subscriptions, and health checks for both.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddEventStore(
        this IHostApplicationBuilder builder, string connectionName, Action<StoreOptions> configure)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not set.");

        builder.Services.AddHealthChecks()
            // On failure the library's description is the exception's message, which can name the server;
            // HealthReportWriter shows "check failed" instead of any failed check's message.
            .AddNpgSql(connectionString, name: "database", tags: ["ready"])
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
                opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                opts.Schema.For<ErasedStream>();
                configure(opts);
            })
            .UseLightweightSessions()
            .BuildSessionsWith<TracedSessionFactory>()
            .ApplyAllDatabaseChangesOnStartup()
            .AddAsyncDaemon(DaemonMode.Solo);

        // Registered after Marten's own hosted services, so the schema exists before the first reading.
        builder.Services.AddSingleton<SubscriptionLagWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SubscriptionLagWatcher>());
        return marten;
    }
}
