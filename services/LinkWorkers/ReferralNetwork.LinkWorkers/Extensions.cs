using JasperFx.Events.Projections;
using Marten;
using MassTransit;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.LinkWorkers.Network;
using ReferralNetwork.Messaging;
using ReferralNetwork.Messaging.Erasure;
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
            x.AddConsumer<OnwardReferralAcknowledgedConsumer>();
            x.AddConsumer<OnwardReferralProgressedConsumer>();
            x.AddPersonErasure<CaseErasure>();
        });

        builder.AddEventStore("linkworkersdb", opts =>
        {
            opts.DatabaseSchemaName = "linkworkers";
            opts.Projections.Snapshot<Case>(SnapshotLifecycle.Inline);
            opts.Schema.For<Case>().Duplicate(c => c.LinkWorkerServiceId).Duplicate(c => c.LinkWorkerId);
            opts.Schema.For<LinkWorker>().Duplicate(w => w.LinkWorkerServiceId);
            opts.Schema.For<AreaOrganisation>();
            // Listings of one service handled at once: the one that stores second fails (retried, it reads the
            // other's and decides again), so an older listing cannot overwrite a newer one it did not see.
            opts.Schema.For<DirectoryListing>().UseOptimisticConcurrency(true);
            opts.Schema.For<WaitingReferral>();
            opts.Schema.For<CancelledReferral>();
            CaseErasure.AddMaskingRules(opts);
        }).PublishIntegrationEvents(new CaseEvents(), builder.Configuration);
        return builder;
    }
}
