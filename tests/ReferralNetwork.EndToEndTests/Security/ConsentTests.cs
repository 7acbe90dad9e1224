using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests.Security;

/// <summary>
/// Issue 12 item 4 through the gateway: with consent codes-only, free text about the person written by
/// others (goal texts, provider summaries, notes, free-text reasons, the closing summary) reaches the
/// referrer on no channel — outcomes, the referral, its timeline, the event feed, webhooks — while the
/// link-worker service still reads it all. With full consent the same journey gives the referrer the
/// same texts, so it is the consent that keeps them out.
/// </summary>
[Collection(RunningNetworkCollection.Name)]
public class ConsentTests(RunningNetwork network)
{
    /// <summary>
    /// One test for both consents, run side by side: the full-consent journey is the control that shows
    /// each channel would carry the texts, so the codes-only journey's silence is the consent's doing.
    /// </summary>
    [Fact]
    public async Task Codes_only_consent_keeps_goal_texts_summaries_and_notes_from_the_referrer_on_every_channel_and_full_consent_does_not()
    {
        var runs = await Task.WhenAll(RunJourneyAsync("codes-only"), RunJourneyAsync("full"));
        var (codesOnly, full) = (runs[0], runs[1]);

        Assert.All(codesOnly.Markers.All, marker => Assert.All(codesOnly.Gp.Channels, channel =>
            Assert.False(channel.Value.Contains(marker, StringComparison.OrdinalIgnoreCase), $"{marker} reached the codes-only GP through {channel.Key}: {channel.Value}")));

        // Still scores and codes: each goal under a label, its change paired across the timepoints.
        var outcomes = JsonDocument.Parse(codesOnly.Gp.Channels["outcomes"]).RootElement;
        var change = Assert.Single(outcomes.GetProperty("changes").EnumerateArray());
        Assert.Equal(4, change.GetProperty("change").GetProperty("goal-1").GetDecimal());
        Assert.Contains("\"goal-1\"", codesOnly.Gp.Channels["feed"]);
        Assert.Contains("871731000000106", codesOnly.Gp.Channels["feed"]);
        Assert.Contains("871731000000106", codesOnly.Gp.Channels["webhooks"]);

        // The link-worker service handling the referral reads what it and the provider wrote, whatever the consent.
        Assert.Contains(codesOnly.Markers.Goal, codesOnly.LinkWorkers.Channels["outcomes"], StringComparison.OrdinalIgnoreCase);
        foreach (var marker in new[] { codesOnly.Markers.Goal, codesOnly.Markers.ProviderSummary, codesOnly.Markers.FailureReason, codesOnly.Markers.HoldNote })
        {
            Assert.Contains(marker, codesOnly.LinkWorkers.Channels["feed"], StringComparison.OrdinalIgnoreCase);
        }

        // With full consent the same journey gives the GP the same texts.
        void Reaches(string marker, string channel) =>
            Assert.True(full.Gp.Channels[channel].Contains(marker, StringComparison.OrdinalIgnoreCase), $"{marker} did not reach the full-consent GP through {channel}");

        Reaches(full.Markers.Goal, "outcomes");
        foreach (var channel in new[] { "feed", "webhooks" })
        {
            foreach (var marker in full.Markers.All)
            {
                Reaches(marker, channel);
            }
        }

        Reaches(full.Markers.FailureReason, "referral");
        Reaches(full.Markers.FailureReason, "timeline");
        Reaches(full.Markers.CloseSummary, "message back");
    }

    /// <summary>
    /// A GP refers with the given consent and subscribes to webhooks; the link worker holds the case with a
    /// note, records goals at baseline and follow-up, refers on twice (one completed with a summary, one
    /// failed with a free-text reason) and closes with a summary. Returns what the GP and the link-worker
    /// service read afterwards on each channel.
    /// </summary>
    private async Task<JourneyRun> RunJourneyAsync(string share)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var markers = new Markers($"goal-text-{suffix}", $"provider-summary-{suffix}", $"failure-reason-{suffix}", $"hold-note-{suffix}", $"close-summary-{suffix}");
        var journey = await Journey.StartAsync(network, "consent");
        var choir = await journey.ListServiceAsync(journey.Provider, "Community choir");

        using var receiver = new RecordingReceiver();
        await Json.ReadAsync(await journey.Gp.Client.PostAsJsonAsync("/api/subscriptions", new { url = receiver.Url, secret = "a-long-shared-secret-for-consent" }));

        var id = await journey.ReferralInProgressAsync(share);

        await Json.ReadAsync(await journey.LinkWorkers.Client.PostAsJsonAsync($"/api/cases/{id}/hold", new { note = markers.HoldNote }));
        await journey.SeenByGpAsync(id, r => r.GetProperty("status").GetString() == "on-hold", "on-hold");
        await Json.ReadAsync(await journey.LinkWorkers.Client.PostAsync($"/api/cases/{id}/resume", null));
        await journey.SeenByGpAsync(id, r => r.GetProperty("status").GetString() == "in-progress", "resumed");

        foreach (var (timepoint, score) in new[] { ("baseline", 3), ("follow-up", 7) })
        {
            await Eventually.GetAsync(async () => (await journey.LinkWorkers.Client.PostAsJsonAsync("/api/outcomes", new
            {
                referralId = id, instrument = "goals", timepoint, goals = new[] { new { goal = markers.Goal, score } },
            })).StatusCode == HttpStatusCode.Created ? "recorded" : null, "the feedback service to know the referral");
        }

        var walking = await journey.ReferOnAsync(id, journey.ServiceId);
        var singing = await journey.ReferOnAsync(id, choir);
        foreach (var onward in new[] { walking, singing })
        {
            await journey.InboxItemAsync(journey.Provider, onward);
            await Json.ReadAsync(await journey.Provider.Client.PostAsync($"/api/provider/referrals/{onward}/acknowledge", null));
            await Json.ReadAsync(await journey.Provider.Client.PostAsync($"/api/provider/referrals/{onward}/accept", null));
        }

        await Json.ReadAsync(await journey.Provider.Client.PostAsJsonAsync($"/api/provider/referrals/{walking}/attendance",
            new { date = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd"), attended = true }));
        await journey.InboxItemAsync(journey.Provider, walking, i => i.GetProperty("status").GetString() == "in-progress");
        await Json.ReadAsync(await journey.Provider.Client.PostAsJsonAsync($"/api/provider/referrals/{walking}/complete", new { summary = markers.ProviderSummary }));
        await Json.ReadAsync(await journey.Provider.Client.PostAsJsonAsync($"/api/provider/referrals/{singing}/fail", new { reason = markers.FailureReason }));
        await journey.SeenByGpAsync(id, r => Journey.OnwardStatus(r, walking) == "completed" && Journey.OnwardStatus(r, singing) == "failed", "both onward referrals ended");

        await Json.ReadAsync(await journey.LinkWorkers.Client.PostAsJsonAsync($"/api/cases/{id}/close", new { outcome = "goals-met", summary = markers.CloseSummary }));
        await journey.SeenByGpAsync(id, r => r.GetProperty("status").GetString() == "completed", "completion");

        // Everything written: both measures and the close in the GP's feed, and every one of its events delivered by webhook.
        var gpFeed = await Eventually.GetAsync(async () =>
        {
            var events = await FeedAsync(journey.Gp, id);
            return events.Count(e => Type(e) == "outcome.recorded") == 2 && events.Any(e => Type(e) == "referral.completed") ? events : null;
        }, "the GP's feed to reach the close", 60);
        var delivered = await Eventually.GetAsync(() =>
        {
            var bodies = receiver.Bodies.Where(b => b.Contains(id.ToString(), StringComparison.Ordinal)).ToList();
            return bodies.Count >= gpFeed.Count ? bodies : null;
        }, "every event of the GP's feed delivered to its webhook", 60);
        var gpOutcomes = await Eventually.GetAsync(async () =>
        {
            var outcomes = await Json.ReadAsync(await journey.Gp.Client.GetAsync($"/api/outcomes?referralId={id}"));
            return outcomes.GetProperty("measures").GetArrayLength() == 2 ? outcomes.GetRawText() : null;
        }, "both measures in the GP's outcomes");

        var gp = new Reader(new Dictionary<string, string>
        {
            ["outcomes"] = gpOutcomes,
            ["feed"] = string.Join("\n", gpFeed.Select(e => e.GetRawText())),
            ["webhooks"] = string.Join("\n", delivered),
            ["referral"] = (await Json.ReadAsync(await journey.Gp.Client.GetAsync($"/api/referrals/{id}"))).GetRawText(),
            ["referral list"] = (await Json.ReadAsync(await journey.Gp.Client.GetAsync("/api/referrals?pageSize=500"))).GetRawText(),
            ["timeline"] = (await Json.ReadAsync(await journey.Gp.Client.GetAsync($"/api/referrals/{id}/timeline"))).GetRawText(),
            ["message back"] = (await Json.ReadAsync(await journey.Gp.Client.GetAsync($"/api/referrals/{id}/message-back"))).GetRawText(),
        });
        var linkWorkers = new Reader(new Dictionary<string, string>
        {
            ["outcomes"] = (await Json.ReadAsync(await journey.LinkWorkers.Client.GetAsync($"/api/outcomes?referralId={id}"))).GetRawText(),
            ["feed"] = string.Join("\n", (await FeedAsync(journey.LinkWorkers, id)).Select(e => e.GetRawText())),
        });
        return new JourneyRun(markers, gp, linkWorkers);
    }

    private static async Task<List<JsonElement>> FeedAsync(Partner partner, Guid referralId) =>
        (await Json.ReadAsync(await partner.Client.GetAsync("/api/events?limit=500"))).GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("referralId").GetGuid() == referralId).ToList();

    private static string? Type(JsonElement e) => e.GetProperty("type").GetString();

    /// <summary>Distinct strings for each kind of free text, lower case, since JSON dictionary keys may change case on the way.</summary>
    private sealed record Markers(string Goal, string ProviderSummary, string FailureReason, string HoldNote, string CloseSummary)
    {
        public IReadOnlyList<string> All => [Goal, ProviderSummary, FailureReason, HoldNote, CloseSummary];
    }

    /// <summary>What one organisation read, by channel.</summary>
    private sealed record Reader(IReadOnlyDictionary<string, string> Channels);

    private sealed record JourneyRun(Markers Markers, Reader Gp, Reader LinkWorkers);

    /// <summary>The GP's webhook endpoint: keeps every body it is sent.</summary>
    private sealed class RecordingReceiver() : LoopbackReceiver("/consent-hooks/")
    {
        public ConcurrentQueue<string> Bodies { get; } = new();

        protected override async Task AnswerAsync(HttpListenerContext context)
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            Bodies.Enqueue(await reader.ReadToEndAsync());
            context.Response.StatusCode = 200;
        }
    }
}
