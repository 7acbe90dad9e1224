using Marten;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging.Erasure;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.Referrals.Feed;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.Referrals.Webhooks;

namespace ReferralNetwork.Referrals.Erasures;

/// <summary>
/// Erasure in the referral service: the referral's events, its snapshot, the partner feed written from
/// them (every reader's entries and the audience's history), webhook deliveries and their log, and the
/// stored answers to keyed requests. Ids, statuses, pathway, needs, codes and timings stay.
/// </summary>
public sealed class ReferralErasure(IDocumentStore store, TimeProvider clock) : IPersonErasure
{
    private const string FeedWriter = "partner-feed";
    private static readonly TimeSpan FeedWriterWait = TimeSpan.FromSeconds(30);

    public static void AddMaskingRules(StoreOptions opts)
    {
        opts.Events.AddMaskingRuleForProtectedInformation<ReferralRequested>(e => e with { Person = ErasedPeople.Person, Reason = ErasedText.Optional(e.Reason) });
        opts.Events.AddMaskingRuleForProtectedInformation<ReferralRejected>(e => e with { Note = ErasedText.Optional(e.Note) });
        opts.Events.AddMaskingRuleForProtectedInformation<ReferralPutOnHold>(e => e with { Note = ErasedText.Optional(e.Note) });
        opts.Events.AddMaskingRuleForProtectedInformation<ReferralCancelled>(e => e with { Note = ErasedText.Optional(e.Note) });
        opts.Events.AddMaskingRuleForProtectedInformation<ReferralClosed>(e => e with { Summary = ErasedText.Marker, MessageBack = Masked(e.MessageBack) });
        opts.Events.AddMaskingRuleForProtectedInformation<ReferralMessagePosted>(e => e with { Text = ErasedText.Marker });
        opts.Events.AddMaskingRuleForProtectedInformation<MeasureRecorded>(e => e with { Scores = MaskedScores(e.Instrument, e.Scores) });
        opts.Events.AddMaskingRuleForProtectedInformation<OnwardReferralRejected>(e => e with { Note = ErasedText.Optional(e.Note) });
        opts.Events.AddMaskingRuleForProtectedInformation<OnwardReferralCompleted>(e => e with { Summary = ErasedText.Optional(e.Summary) });
        opts.Events.AddMaskingRuleForProtectedInformation<OnwardReferralFailed>(e => e with { Reason = ErasedText.UnlessCode(e.Reason)! });
    }

    private static MessageBack Masked(MessageBack message) => message with
    {
        Summary = ErasedText.Optional(message.Summary),
        SupportOffered = message.SupportOffered?.Select(s => s with { StatusReason = ErasedText.UnlessCode(s.StatusReason) }).ToList(),
        Measures = message.Measures?.Select(m => m with { Scores = MaskedScores(m.Instrument, m.Scores) }).ToList(),
    };

    // Goal scores are keyed by the goal's own words; the other instruments by fixed item names.
    private static IReadOnlyDictionary<string, decimal> MaskedScores(string instrument, IReadOnlyDictionary<string, decimal> scores) =>
        instrument != "goals" ? scores : scores.Values.Select((score, i) => (Key: $"{ErasedText.Marker} {i + 1}", score)).ToDictionary(s => s.Key, s => s.score);

    public Task<IReadOnlyList<Guid>> StreamsOfAsync(IQuerySession session, Guid referralId, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<Guid>>([referralId]);

    public async Task EraseAsync(Guid referralId, CancellationToken ct)
    {
        await store.MaskAsync<Referral>([referralId], ct);

        await using var session = store.LightweightSession();
        var events = await session.Events.FetchStreamAsync(referralId, token: ct);
        if (events.Count > 0)
        {
            // The feed writer may hold a page read before the masking: let it commit first, then rewrite what it wrote.
            await WaitForFeedWriterAsync(events[^1].Sequence, ct);
            await RewriteFeedAsync(session, referralId, events, ct);
        }

        await IdempotencyKeys.ForgetResponsesAboutAsync(session, referralId, ct);
        await session.SaveChangesAsync(ct);
    }

    private async Task WaitForFeedWriterAsync(long sequence, CancellationToken ct)
    {
        var until = clock.GetUtcNow() + FeedWriterWait;
        while (true)
        {
            var progress = await store.Advanced.AllProjectionProgress(token: ct);
            if (progress.Any(p => p.ShardName.StartsWith(FeedWriter, StringComparison.Ordinal) && p.Sequence >= sequence))
            {
                return;
            }

            if (clock.GetUtcNow() > until)
            {
                // A transient failure: the erasure is retried, and is safe to run again.
                throw new TimeoutException($"The partner feed has not reached event {sequence} yet.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), clock, ct);
        }
    }

    /// <summary>Writes the referral's feed again from its masked events, exactly as the feed writer did the first time.</summary>
    private static async Task RewriteFeedAsync(IDocumentSession session, Guid referralId, IReadOnlyList<JasperFx.Events.IEvent> events, CancellationToken ct)
    {
        var audience = new ReferralAudience { Id = referralId };
        var entries = events.SelectMany(e => audience.Record(e.Id, e.Sequence, e.Data)).ToList();
        session.Store(audience);
        foreach (var entry in entries)
        {
            session.Store(entry);
        }

        var byReaderAndEvent = entries.ToDictionary(e => (e.Reader, e.Event.Id));
        var deliveries = await session.Query<WebhookDelivery>().Where(d => d.Event.ReferralId == referralId).ToListAsync(ct);
        foreach (var delivery in deliveries)
        {
            if (byReaderAndEvent.TryGetValue((delivery.Feed, delivery.Event.Id), out var entry))
            {
                delivery.Event = entry.Event;
                session.Store(delivery);
            }
            else
            {
                session.Delete(delivery);
            }
        }
    }
}
