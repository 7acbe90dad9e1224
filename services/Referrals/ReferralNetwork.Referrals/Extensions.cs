using JasperFx.Events.Projections;
using Marten;
using MassTransit;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.Referrals.Referrals.Updates;
using ReferralNetwork.ServiceDefaults.EventStore;
using ReferralNetwork.ServiceDefaults.Messaging;

namespace ReferralNetwork.Referrals;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddMessaging("referrals", x =>
        {
            x.AddConsumer<ReferralRoutedConsumer, ReferralUpdateDefinition<ReferralRoutedConsumer>>();
            x.AddConsumer<ReferralAcceptedConsumer, ReferralUpdateDefinition<ReferralAcceptedConsumer>>();
            x.AddConsumer<ContactAttemptedConsumer, ReferralUpdateDefinition<ContactAttemptedConsumer>>();
            x.AddConsumer<OnwardReferralRequestedConsumer, ReferralUpdateDefinition<OnwardReferralRequestedConsumer>>();
            x.AddConsumer<OnwardReferralAcknowledgedConsumer, ReferralUpdateDefinition<OnwardReferralAcknowledgedConsumer>>();
            x.AddConsumer<ReferralRejectedConsumer, ReferralUpdateDefinition<ReferralRejectedConsumer>>();
            x.AddConsumer<ReferralPutOnHoldConsumer, ReferralUpdateDefinition<ReferralPutOnHoldConsumer>>();
            x.AddConsumer<ReferralResumedConsumer, ReferralUpdateDefinition<ReferralResumedConsumer>>();
            x.AddConsumer<ReferralClosedConsumer, ReferralUpdateDefinition<ReferralClosedConsumer>>();
            x.AddConsumer<OnwardReferralWithdrawnConsumer, ReferralUpdateDefinition<OnwardReferralWithdrawnConsumer>>();
            x.AddConsumer<OnwardReferralProgressedConsumer, ReferralUpdateDefinition<OnwardReferralProgressedConsumer>>();
            x.AddConsumer<OutcomeRecordedConsumer, ReferralUpdateDefinition<OutcomeRecordedConsumer>>();
        });

        builder.AddEventStore("referralsdb", new ReferralEvents(), opts =>
        {
            opts.DatabaseSchemaName = "referrals";
            opts.Projections.Snapshot<Referral>(SnapshotLifecycle.Inline);
            opts.Schema.For<Referral>().Duplicate(r => r.ReferrerId).Duplicate(r => r.UpdatedAt);
            // Erasure: masking replaces the person in the stored request without touching the rest.
            opts.Events.AddMaskingRuleForProtectedInformation<ReferralRequested>(e => e with { Person = ErasedPerson });
        }).AddPartnerFeed();

        builder.Services.AddSingleton<JourneyMetrics>();
        builder.Services.AddSingleton<JourneyRecorder>();
        builder.Services.ConfigureMarten((services, opts) => opts.Listeners.Add(services.GetRequiredService<JourneyRecorder>()));
        return builder;
    }

    private static readonly Contracts.PersonDetails ErasedPerson =
        new("(erased)", "(erased)", DateOnly.MinValue, null, null, null, null, null, null, null);
}
