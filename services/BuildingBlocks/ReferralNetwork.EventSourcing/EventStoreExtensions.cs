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
    /// with one async daemon for its subscriptions (Solo, or run by <see cref="BackgroundWorkLeadership"/> when several
    /// instances share the database), and health checks for both. Every session runs
    /// under the <see cref="DatabaseOptions"/> limits.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddEventStore(
        this IHostApplicationBuilder builder, string connectionName, Action<StoreOptions> configure)
    {
        builder.Services.AddDatabaseOptions();
        // Read here as well: the limits are part of the connection string, fixed when the store is registered.
        // A bad value still stops the service at start, by the validation above.
        var limits = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = limits.ApplyTo(builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not set."));
        var backgroundWork = builder.ReadBackgroundWork();

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
                // Who made the change, when a person did (ActingPerson).
                opts.Events.MetadataConfig.UserNameEnabled = true;
                opts.Projections.Errors.SkipApplyErrors = false;
                PinGapHandling(opts);
                opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                opts.Schema.For<ErasedStream>();
                configure(opts);
            })
            .UseLightweightSessions()
            .BuildSessionsWith<TracedSessionFactory>()
            .ApplyAllDatabaseChangesOnStartup()
            .AddAsyncDaemon(BackgroundWorkExtensions.DaemonModeFor(backgroundWork.Mode));
        builder.Services.AddBackgroundWork(connectionString);

        // Registered after Marten's own hosted services, so the schema exists before the first reading.
        builder.Services.AddSingleton<SubscriptionLagWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SubscriptionLagWatcher>());
        builder.Services.AddHostedService<SkippedGapWatcher>();
        return marten;
    }

    /// <summary>
    /// How the async daemon treats a gap in the event sequence, pinned rather than left to Marten's defaults,
    /// which have changed between versions. An append takes its sequence number when it inserts and becomes
    /// visible when it commits, so a slow transaction leaves a gap that quicker ones commit around; a rolled-back
    /// append leaves one for good. The daemon only reads up to the highest number with no gap below it (the
    /// high water mark), so every subscription waits at a gap, and skipping one that later fills loses its events
    /// for the relay and the feed without a trace. Proved against Marten in the integration tests (EventLogGapTests).
    /// </summary>
    internal static void PinGapHandling(StoreOptions opts)
    {
        // Before skipping a stale gap, look for a transaction that could still fill it (pg_locks on mt_events,
        // open transactions in pg_stat_activity, the snapshot's in-progress list) and wait while there is one, so
        // a late commit is waited for rather than skipped. Marten's default since 9.16.1; without it a gap is
        // skipped by the clock alone. The services' sessions and the daemon share one role, so it sees them all.
        opts.Projections.UseTransactionEvidenceForGapSkipping = true;
        // Never skip past a live transaction however long it takes (Marten's escape hatch, off). A stuck one is
        // ended by the server instead (DatabaseOptions: idle-in-transaction and statement timeouts), after which
        // its gap is provably empty and skipped.
        opts.Projections.SkipStaleGapsDespiteLiveTransactionsAfter = null;
        // How long a gap must last before it counts as stale and the evidence above is consulted: Marten's
        // default. It only delays skipping gaps that can never fill (a version conflict, a failed consumer's
        // transaction), during which every subscription waits; a longer wait would buy no safety, since a gap
        // with a live transaction is not skipped however stale.
        opts.Projections.StaleSequenceThreshold = TimeSpan.FromSeconds(3);
        // Keep a row per skip in mt_high_water_skips, so an operator can see afterwards what was passed over
        // (SkippedGapWatcher warns and counts at the time).
        opts.Events.EnableAdvancedAsyncTracking = true;
    }
}
