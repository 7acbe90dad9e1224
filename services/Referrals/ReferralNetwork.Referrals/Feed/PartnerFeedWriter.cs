using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using ReferralNetwork.Referrals.Webhooks;

namespace ReferralNetwork.Referrals.Feed;

/// <summary>
/// Writes every partner event into the feed of each organisation that may see it. The async daemon
/// hands pages over strictly in event-sequence order up to the high-water mark, and what is written
/// here commits in one transaction with the subscription's progress. So a reader's feed only ever
/// grows at its end: once an entry is visible, every entry before it already is (no skips), and a
/// page replayed after a crash overwrites the same documents (no repeats). Webhook deliveries are
/// scheduled in that same transaction, so every feed entry gets its deliveries exactly once.
/// </summary>
public sealed class PartnerFeedWriter : SubscriptionBase
{
    private readonly TimeProvider clock;

    public PartnerFeedWriter(TimeProvider clock)
    {
        this.clock = clock;
        Name = "partner-feed";
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var referralIds = page.Events.Select(e => e.StreamId).Where(id => id != Guid.Empty).Distinct().ToArray();
        if (referralIds.Length == 0)
        {
            return NullChangeListener.Instance;
        }

        // Loaded once per page and changed in memory: several events of one referral may share a page.
        var audiences = (await operations.LoadManyAsync<ReferralAudience>(cancellationToken, referralIds)).ToDictionary(a => a.Id);
        var entries = new List<FeedEntry>();
        foreach (var @event in page.Events.Where(e => e.StreamId != Guid.Empty))
        {
            if (!audiences.TryGetValue(@event.StreamId, out var audience))
            {
                audiences[@event.StreamId] = audience = new ReferralAudience { Id = @event.StreamId };
            }

            entries.AddRange(audience.Record(@event.Id, @event.Sequence, @event.Data));
        }

        foreach (var audience in audiences.Values)
        {
            operations.Store(audience);
        }

        foreach (var entry in entries)
        {
            operations.Store(entry);
        }

        await WebhookDelivery.ScheduleAsync(operations, entries, clock.GetUtcNow(), cancellationToken);
        return NullChangeListener.Instance;
    }
}
