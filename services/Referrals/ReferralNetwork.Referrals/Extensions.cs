using JasperFx.Events.Projections;
using Marten;
using MassTransit;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging;
using ReferralNetwork.Messaging.Erasure;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.Referrals.Erasures;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.Referrals.Referrals.Updates;

namespace ReferralNetwork.Referrals;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRequestValidators<ReferralEvents>();
        builder.AddMessaging("referrals", x =>
        {
            x.AddConsumer<ReferralUpdatesConsumer, ReferralUpdatesConsumerDefinition>();
            x.AddPersonErasure<ReferralErasure>();
            x.AddConsumer<ErasureProgressConsumer>();
        });

        builder.AddEventStore("referralsdb", opts =>
        {
            opts.DatabaseSchemaName = "referrals";
            opts.Projections.Snapshot<Referral>(SnapshotLifecycle.Inline);
            opts.Schema.For<Referral>().Duplicate(r => r.ReferrerId).Duplicate(r => r.UpdatedAt);
            opts.Projections.Snapshot<Erasure>(SnapshotLifecycle.Inline);
            ReferralErasure.AddMaskingRules(opts);
        }).PublishIntegrationEvents(new ReferralEvents(), builder.Configuration).AddPartnerFeed();

        builder.Services.AddSingleton<JourneyMetrics>();
        builder.Services.AddSingleton<JourneyRecorder>();
        builder.Services.ConfigureMarten((services, opts) => opts.Listeners.Add(services.GetRequiredService<JourneyRecorder>()));
        return builder;
    }
}
