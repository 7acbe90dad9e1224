using JasperFx.Events.Projections;
using Marten;
using MassTransit;
using ReferralNetwork.CommunityProviders.Directory;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging;
using ReferralNetwork.Messaging.Erasure;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.CommunityProviders;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddMessaging("communityproviders", x =>
        {
            x.AddConsumer<ProviderInboxConsumer, ProviderInboxConsumerDefinition>();
            x.AddPersonErasure<ProviderReferralErasure>();
        });

        builder.AddEventStore("providersdb", opts =>
        {
            opts.DatabaseSchemaName = "providers";
            opts.Projections.Snapshot<CommunityService>(SnapshotLifecycle.Inline);
            opts.Projections.Snapshot<ProviderReferral>(SnapshotLifecycle.Inline);
            // Indexed for the inbox (by provider) and the acknowledgement deadlines (requested, by arrival).
            opts.Schema.For<ProviderReferral>().Duplicate(r => r.ProviderId).Duplicate(r => r.Status).Duplicate(r => r.ReceivedAt);
            ProviderReferralErasure.AddMaskingRules(opts);
        }).PublishIntegrationEvents(new ProviderEvents(), builder.Configuration);

        builder.Services.AddAcknowledgementPolicy();
        builder.Services.AddRequestValidators<ServiceRequestValidator>();
        // After the event store, so the schema is in place before the first check.
        builder.Services.AddHostedService<AcknowledgementDeadlineWorker>();
        return builder;
    }

    /// <summary>
    /// Binds section "Acknowledgement". The delays must come in order or a provider could expire
    /// before being nudged; a bad value stops the service at start, naming the setting.
    /// </summary>
    public static IServiceCollection AddAcknowledgementPolicy(this IServiceCollection services)
    {
        services.AddOptions<AcknowledgementPolicy>()
            .BindConfiguration(AcknowledgementPolicy.Section)
            .Validate(p => p.RemindAfter > TimeSpan.Zero, "Acknowledgement:RemindAfter must be a positive time span.")
            .Validate(p => p.EscalateAfter > p.RemindAfter, "Acknowledgement:EscalateAfter must be later than Acknowledgement:RemindAfter.")
            .Validate(p => p.ExpireAfter > p.EscalateAfter, "Acknowledgement:ExpireAfter must be later than Acknowledgement:EscalateAfter.")
            .Validate(p => p.CheckEvery > TimeSpan.Zero, "Acknowledgement:CheckEvery must be a positive time span.")
            .ValidateOnStart();
        return services;
    }
}
