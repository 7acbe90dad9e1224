using JasperFx.Events.Projections;
using Marten;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.Referrals;
using ReferralNetwork.ServiceDefaults.EventStore;
using ReferralNetwork.ServiceDefaults.Messaging;

namespace ReferralNetwork.Feedback;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddMessaging("feedback", x =>
        {
            x.AddConsumer<ReferralRequestedConsumer>();
            x.AddConsumer<ReferralRoutedConsumer>();
        });

        builder.AddEventStore("feedbackdb", new FeedbackEvents(), opts =>
        {
            opts.DatabaseSchemaName = "feedback";
            opts.Projections.Snapshot<ReferralOutcomes>(SnapshotLifecycle.Inline);
            opts.Schema.For<ReferralParties>();
        });
        return builder;
    }
}
