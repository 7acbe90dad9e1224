using JasperFx.Events.Projections;
using Marten;
using MassTransit;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging;
using ReferralNetwork.Messaging.Erasure;
using ReferralNetwork.Messaging.Reconciliation;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.Referrals.Erasures;
using ReferralNetwork.Referrals.Reconciliation;
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
            x.AddConsumer<ServedAreasConsumer>();
        });

        builder.AddEventStore("referralsdb", opts =>
        {
            opts.DatabaseSchemaName = "referrals";
            opts.Projections.Snapshot<Referral>(SnapshotLifecycle.Inline);
            // The link-worker service's column (indexed) lets the reconciliation read only the referrals not routed yet.
            opts.Schema.For<Referral>().Duplicate(r => r.ReferrerId).Duplicate(r => r.UpdatedAt).Duplicate(r => r.LinkWorkerServiceId);
            opts.Schema.For<ServedArea>();
            opts.Projections.Snapshot<Erasure>(SnapshotLifecycle.Inline);
            ReferralErasure.AddMaskingRules(opts);
        }).PublishIntegrationEvents(new ReferralEvents(), builder.Configuration).AddPartnerFeed();

        builder.Services.AddReconciliation<UnroutedReferrals>();
        builder.Services.AddSingleton<JourneyMetrics>();
        builder.Services.AddSingleton<JourneyRecorder>();
        builder.Services.ConfigureMarten((services, opts) => opts.Listeners.Add(services.GetRequiredService<JourneyRecorder>()));
        return builder;
    }
}
