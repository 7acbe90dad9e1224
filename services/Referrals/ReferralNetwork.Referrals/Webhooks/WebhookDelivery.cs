using Marten;
using ReferralNetwork.Referrals.Feed;

namespace ReferralNetwork.Referrals.Webhooks;

public enum DeliveryStatus
{
    Pending,
    Delivered,
    Failed,
}

public sealed record DeliveryAttempt(DateTimeOffset At, int? StatusCode, string? Error, long DurationMs)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>
/// One feed entry on its way to one subscription. All its state (attempts, when it is next due) lives
/// in the database, so retries carry on across restarts.
/// </summary>
public sealed class WebhookDelivery
{
    public string Id { get; set; } = "";

    public Guid SubscriptionId { get; set; }

    /// <summary>The feed the entry came from; always the subscription's own.</summary>
    public Guid Feed { get; set; }

    public long Position { get; set; }

    public FeedEvent Event { get; set; } = null!;

    public DeliveryStatus Status { get; set; }

    /// <summary>When the next attempt is due; meaningful while pending.</summary>
    public DateTimeOffset DueAt { get; set; }

    public List<DeliveryAttempt> Attempts { get; set; } = [];

    public static string IdFor(Guid subscriptionId, Guid eventId) => $"{subscriptionId:N}:{eventId:N}";

    /// <summary>
    /// Schedules the deliveries for feed entries the feed writer is about to commit, in its
    /// transaction. Only subscriptions on the entry's own feed match, so nothing crosses organisations.
    /// </summary>
    public static async Task ScheduleAsync(IDocumentOperations operations, IReadOnlyList<FeedEntry> entries, DateTimeOffset now, CancellationToken ct)
    {
        var feeds = entries.Select(e => e.Reader).Distinct().ToArray();
        if (feeds.Length == 0)
        {
            return;
        }

        var subscriptions = await operations.Query<WebhookSubscription>().Where(s => feeds.Contains(s.Feed)).ToListAsync(ct);
        foreach (var entry in entries)
        {
            foreach (var subscription in subscriptions.Where(s => s.Feed == entry.Reader && s.Wants(entry.Event.Type)))
            {
                operations.Store(new WebhookDelivery
                {
                    Id = IdFor(subscription.Id, entry.Event.Id),
                    SubscriptionId = subscription.Id,
                    Feed = entry.Reader,
                    Position = entry.Position,
                    Event = entry.Event,
                    Status = DeliveryStatus.Pending,
                    DueAt = now,
                });
            }
        }
    }

    /// <summary>Records an attempt: delivered on 2xx, else due again after the backoff, or failed after the last attempt.</summary>
    public void Record(DeliveryAttempt attempt, RetrySchedule schedule, DateTimeOffset now)
    {
        Attempts.Add(attempt);
        if (attempt.Succeeded)
        {
            Status = DeliveryStatus.Delivered;
        }
        else if (schedule.IsExhausted(Attempts.Count))
        {
            Status = DeliveryStatus.Failed;
        }
        else
        {
            DueAt = now + schedule.DelayAfter(Attempts.Count);
        }
    }
}
