using Marten;
using ReferralNetwork.Referrals.Feed;
using ReferralNetwork.Referrals.Webhooks;

namespace ReferralNetwork.Referrals;

public static class PartnerFeedExtensions
{
    /// <summary>
    /// The event feed and webhooks: their documents, the feed writer as a second subscription of the
    /// service's async daemon, and the webhook dispatcher.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddPartnerFeed(
        this MartenServiceCollectionExtensions.MartenConfigurationExpression marten)
    {
        marten.Services.ConfigureMarten(opts =>
        {
            opts.Schema.For<FeedEntry>().Duplicate(e => e.Reader).Duplicate(e => e.Position);
            opts.Schema.For<ReferralAudience>();
            opts.Schema.For<WebhookSubscription>().Duplicate(s => s.OrganisationId).Duplicate(s => s.Feed);
            opts.Schema.For<WebhookDelivery>().Duplicate(d => d.SubscriptionId).Duplicate(d => d.Status).Duplicate(d => d.DueAt)
                .UseOptimisticConcurrency(true);
        });
        marten.Services.AddWebhookDispatch();

        return marten.AddSubscriptionWithServices<PartnerFeedWriter>(ServiceLifetime.Singleton, o =>
        {
            o.IncludeArchivedEvents = false;
            o.Options.BatchSize = 500;
        });
    }

    public static IEndpointRouteBuilder MapPartnerFeed(this IEndpointRouteBuilder app) => app.MapFeedApi().MapWebhooksApi();
}
