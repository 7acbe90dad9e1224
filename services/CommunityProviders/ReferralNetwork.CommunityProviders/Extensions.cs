using JasperFx.Events.Projections;
using Marten;
using ReferralNetwork.CommunityProviders.Directory;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.ServiceDefaults.EventStore;
using ReferralNetwork.ServiceDefaults.Messaging;

namespace ReferralNetwork.CommunityProviders;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddMessaging("communityproviders", x => x.AddConsumer<OnwardReferralRequestedConsumer>());

        builder.AddEventStore("providersdb", new ProviderEvents(), opts =>
        {
            opts.DatabaseSchemaName = "providers";
            opts.Projections.Snapshot<CommunityService>(SnapshotLifecycle.Inline);
            opts.Projections.Snapshot<ProviderReferral>(SnapshotLifecycle.Inline);
            opts.Schema.For<ProviderReferral>().Duplicate(r => r.ProviderId);
            opts.Events.AddMaskingRuleForProtectedInformation<OnwardReferralArrived>(e => e with
            {
                Person = new OnwardReferralPerson("(erased)", "(erased)", null, null, null, null, null),
            });
        });
        return builder;
    }
}
