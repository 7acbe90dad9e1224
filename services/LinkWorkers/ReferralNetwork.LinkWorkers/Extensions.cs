using JasperFx.Events.Projections;
using Marten;
using MassTransit;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.LinkWorkers.Network;
using ReferralNetwork.LinkWorkers.Reconciliation;
using ReferralNetwork.Messaging;
using ReferralNetwork.Messaging.Erasure;
using ReferralNetwork.Messaging.Reconciliation;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.LinkWorkers;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CaseRouting>();
        builder.Services.AddRequestValidators<CaseRouting>();
        builder.AddMessaging("linkworkers", x =>
        {
            x.AddConsumer<RoutingConsumer, RoutingConsumerDefinition>();
            x.AddConsumer<CommunityServiceListedConsumer>();
            x.AddConsumer<OnwardReferralArrivedConsumer>();
            x.AddConsumer<OnwardReferralAcknowledgedConsumer>();
            x.AddConsumer<OnwardReferralProgressedConsumer>();
            x.AddPersonErasure<CaseErasure>();
        });

        builder.AddEventStore("linkworkersdb", opts =>
        {
            opts.DatabaseSchemaName = "linkworkers";
            opts.Projections.Snapshot<Case>(SnapshotLifecycle.Inline);
            // AwaitingArrivalSince (indexed) lets the reconciliation read only cases with an onward referral not known to have arrived.
            opts.Schema.For<Case>().Duplicate(c => c.LinkWorkerServiceId).Duplicate(c => c.LinkWorkerId).Duplicate(c => c.AwaitingArrivalSince);
            opts.Schema.For<LinkWorker>().Duplicate(w => w.LinkWorkerServiceId);
            opts.Schema.For<AreaOrganisation>();
            // Listings of one service handled at once: the one that stores second fails (retried, it reads the
            // other's and decides again), so an older listing cannot overwrite a newer one it did not see.
            opts.Schema.For<DirectoryListing>().UseOptimisticConcurrency(true);
            opts.Schema.For<WaitingReferral>();
            opts.Schema.For<AreaRoutingFence>().UseOptimisticConcurrency(true);
            opts.Schema.For<CancelledReferral>();
            CaseErasure.AddMaskingRules(opts);
        }).PublishIntegrationEvents(new CaseEvents(), builder.Configuration);
        builder.Services.AddReconciliation<UndeliveredOnwardReferrals>();
        return builder;
    }
}
