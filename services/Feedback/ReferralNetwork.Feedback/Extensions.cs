using JasperFx.Events.Projections;
using Marten;
using MassTransit;
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
            x.AddConsumer<ReferralRequestedConsumer, ReferralPartiesDefinition<ReferralRequestedConsumer>>();
            x.AddConsumer<ReferralRoutedConsumer, ReferralPartiesDefinition<ReferralRoutedConsumer>>();
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
