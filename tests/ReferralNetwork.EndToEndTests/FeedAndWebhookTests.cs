using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests;

/// <summary>Following referrals without being called (the feed) and by being called (webhooks), partner-api.md §7.</summary>
[Collection(RunningNetworkCollection.Name)]
public class FeedAndWebhookTests(RunningNetwork network)
{
    private static async Task<List<string>> ReadFeedAsync(Partner partner, int pageSize) =>
        (await Json.ReadFeedAsync(partner.Client, pageSize)).Select(e => e.GetProperty("id").GetString()!).ToList();

    [Fact]
    public async Task The_feed_read_in_pages_of_1_7_and_500_gives_the_same_events_once_each()
    {
        var journey = await Journey.StartAsync(network, "feed");
        var first = await journey.ReferralInProgressAsync();
        var second = await journey.ReferralInProgressAsync();
        var onward = await journey.ReferOnAsync(first, journey.ServiceId);
        await journey.InboxItemAsync(journey.Provider, onward);
        await Json.ReadAsync(await journey.Provider.Client.PostAsync($"/api/provider/referrals/{onward}/acknowledge", null));
        await journey.SeenByGpAsync(first, r => Journey.OnwardStatus(r, onward) == "received", "the acknowledgement");

        // 2 × (requested, accepted, contact-made) + onward requested + received = 8 events for the GP.
        var all = await Eventually.GetAsync(async () => { var ids = await ReadFeedAsync(journey.Gp, 500); return ids.Count >= 8 ? ids : null; }, "the GP's feed");
        Assert.Equal(8, all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(all, await ReadFeedAsync(journey.Gp, 1));
        Assert.Equal(all, await ReadFeedAsync(journey.Gp, 7));

        var page = await Json.ReadAsync(await journey.Gp.Client.GetAsync("/api/events?limit=500"));
        var events = page.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal("referral.requested", events[0].GetProperty("type").GetString());
        Assert.All(events, e => Assert.Contains(e.GetProperty("referralId").GetGuid(), new[] { first, second }));

        // The link-worker service sees the same referrals' events, the requests included; a stranger sees none of them.
        var linkWorkerFeed = await Json.ReadAsync(await journey.LinkWorkers.Client.GetAsync("/api/events?limit=500"));
        Assert.Contains(linkWorkerFeed.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "referral.requested");
        var stranger = await network.RegisterAsync("Elsewhere Practice", "gp-practice", journey.Area);
        Assert.Empty((await Json.ReadAsync(await stranger.Client.GetAsync("/api/events"))).GetProperty("events").EnumerateArray());

        Assert.Equal(HttpStatusCode.BadRequest, (await journey.Gp.Client.GetAsync("/api/events?limit=501")).StatusCode);
    }

    [Fact]
    public async Task Webhook_deliveries_are_signed_and_retried_after_a_failure()
    {
        var journey = await Journey.StartAsync(network, "webhook");
        using var receiver = new WebhookReceiver(failFirst: 1);
        const string secret = "a-long-shared-secret-for-hmac";
        var subscription = await Json.ReadAsync(await journey.Gp.Client.PostAsJsonAsync("/api/subscriptions",
            new { url = receiver.Url, eventTypes = new[] { "referral.requested", "referral.accepted" }, secret }));
        Assert.DoesNotContain(secret, subscription.GetRawText());
        var subscriptionId = subscription.GetProperty("id").GetGuid();

        // Someone else's subscription must never receive this GP's events.
        using var otherReceiver = new WebhookReceiver(failFirst: 0);
        var stranger = await network.RegisterAsync("Elsewhere Practice", "gp-practice", journey.Area);
        await Json.ReadAsync(await stranger.Client.PostAsJsonAsync("/api/subscriptions", new { url = otherReceiver.Url, secret }));

        var id = await journey.ReferralInProgressAsync();
        var received = await Eventually.GetAsync(() => Task.FromResult(
            receiver.Delivered.Count(d => d.Type is "referral.requested" or "referral.accepted") >= 2 ? receiver.Delivered.ToList() : null), "both deliveries", 60);

        Assert.All(received, d => Assert.True(d.SignatureValid(secret), $"bad signature on {d.Type}"));
        Assert.All(received, d => Assert.Contains(id.ToString(), d.Body));
        Assert.DoesNotContain(received, d => d.Type == "referral.contact-made");
        Assert.True(receiver.Attempts > received.Count, "the first delivery failed and was retried");

        var log = await Json.ReadAsync(await journey.Gp.Client.GetAsync($"/api/subscriptions/{subscriptionId}/deliveries"));
        Assert.Contains(log.EnumerateArray(), d => d.GetProperty("attempts").GetArrayLength() >= 2 && d.GetProperty("status").GetString() == "delivered");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Client.GetAsync($"/api/subscriptions/{subscriptionId}/deliveries")).StatusCode);

        await Task.Delay(2000);
        Assert.DoesNotContain(otherReceiver.Delivered, d => d.Body.Contains(id.ToString()));

        var notHttp = await journey.Gp.Client.PostAsJsonAsync("/api/subscriptions", new { url = "ftp://example.org/hook", secret });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notHttp.StatusCode);
    }

    /// <summary>A partner's webhook endpoint on loopback that fails its first few calls.</summary>
    private sealed class WebhookReceiver(int failFirst) : LoopbackReceiver("/hooks/")
    {
        private int attempts;

        public int Attempts => attempts;

        public ConcurrentQueue<Delivery> Delivered { get; } = new();

        protected override async Task AnswerAsync(HttpListenerContext context)
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Increment(ref attempts) <= failFirst)
            {
                context.Response.StatusCode = 500;
                return;
            }
            Delivered.Enqueue(new Delivery(context.Request.Headers["X-Event-Type"] ?? "", context.Request.Headers["X-Signature"] ?? "", body));
            context.Response.StatusCode = 200;
        }
    }

    private sealed record Delivery(string Type, string Signature, string Body)
    {
        public bool SignatureValid(string secret) =>
            Signature == "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(Body)));
    }
}
