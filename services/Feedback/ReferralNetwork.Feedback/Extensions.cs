using JasperFx.Events.Projections;
using Marten;
using MassTransit;
using ReferralNetwork.Feedback.Involvement;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.Services;
using ReferralNetwork.Feedback.UserFeedback;
using ReferralNetwork.ServiceDefaults.EventStore;
using ReferralNetwork.ServiceDefaults.Messaging;

namespace ReferralNetwork.Feedback;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddMessaging("feedback", x =>
        {
            // One queue, one at a time: all of them append to the same referral's journey stream.
            x.AddConsumer<ReferralRequestedConsumer, JourneyDefinition<ReferralRequestedConsumer>>();
            x.AddConsumer<ReferralCancelledConsumer, JourneyDefinition<ReferralCancelledConsumer>>();
            x.AddConsumer<ReferralRoutedConsumer, JourneyDefinition<ReferralRoutedConsumer>>();
            x.AddConsumer<ReferralAcceptedConsumer, JourneyDefinition<ReferralAcceptedConsumer>>();
            x.AddConsumer<ContactAttemptedConsumer, JourneyDefinition<ContactAttemptedConsumer>>();
            x.AddConsumer<ReferralRejectedConsumer, JourneyDefinition<ReferralRejectedConsumer>>();
            x.AddConsumer<ReferralPutOnHoldConsumer, JourneyDefinition<ReferralPutOnHoldConsumer>>();
            x.AddConsumer<ReferralResumedConsumer, JourneyDefinition<ReferralResumedConsumer>>();
            x.AddConsumer<ReferralClosedConsumer, JourneyDefinition<ReferralClosedConsumer>>();
            x.AddConsumer<OnwardReferralRequestedConsumer, JourneyDefinition<OnwardReferralRequestedConsumer>>();
            x.AddConsumer<OnwardReferralWithdrawnConsumer, JourneyDefinition<OnwardReferralWithdrawnConsumer>>();
            x.AddConsumer<OnwardReferralAcknowledgedConsumer, JourneyDefinition<OnwardReferralAcknowledgedConsumer>>();
            x.AddConsumer<OnwardReferralProgressedConsumer, JourneyDefinition<OnwardReferralProgressedConsumer>>();
            x.AddConsumer<CommunityServiceListedConsumer>();
        });

        builder.AddEventStore("feedbackdb", new FeedbackEvents(), opts =>
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
        });
        return builder;
    }
}
