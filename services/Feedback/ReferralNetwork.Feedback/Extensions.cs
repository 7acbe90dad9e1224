using JasperFx.Events.Projections;
using Marten;
using MassTransit;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Feedback.Erasure;
using ReferralNetwork.Feedback.Involvement;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.Reports;
using ReferralNetwork.Feedback.Services;
using ReferralNetwork.Feedback.UserFeedback;
using ReferralNetwork.Messaging;
using ReferralNetwork.Messaging.Erasure;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.Feedback;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddMessaging("feedback", x =>
        {
            x.AddConsumer<JourneyConsumer, JourneyConsumerDefinition>();
            x.AddConsumer<CommunityServiceListedConsumer>();
            x.AddPersonErasure<FeedbackErasure>();
        });

        builder.AddEventStore("feedbackdb", ConfigureStore).PublishIntegrationEvents(new FeedbackEvents(), builder.Configuration);

        builder.Services.AddSingleton<ReportTablesState>();
        // After the event store's registration, so Marten's own schema is in place first.
        builder.Services.AddHostedService<ReportTablesSetup>();

        builder.Services.AddRequestValidators<MakeSuggestionRequestValidator>();
        // The feedback validator asks whether the request carries a partner token.
        builder.Services.AddHttpContextAccessor();
        return builder;
    }

    /// <summary>The service's documents and projections; public so the benchmark writes documents exactly as the service would.</summary>
    public static void ConfigureStore(StoreOptions opts)
    {
        opts.DatabaseSchemaName = "feedback";
        opts.Projections.Snapshot<ReferralOutcomes>(SnapshotLifecycle.Inline);
        // Read models built from this service's own log, so they can be rebuilt from it.
        opts.Projections.Snapshot<ReferralJourney>(SnapshotLifecycle.Inline);
        opts.Projections.Snapshot<ListedService>(SnapshotLifecycle.Inline);
        opts.Projections.Snapshot<ServiceUserFeedback>(SnapshotLifecycle.Inline);
        opts.Projections.Snapshot<Suggestion>(SnapshotLifecycle.Inline);
        opts.Schema.For<ReferralJourney>().Index(j => j.Area);
        opts.Schema.For<ServiceUserFeedback>().Index(f => f.Area);
        FeedbackErasure.AddMaskingRules(opts);
    }
}
