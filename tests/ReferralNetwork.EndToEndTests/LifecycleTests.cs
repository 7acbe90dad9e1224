using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests;

/// <summary>The complete lifecycle (partner-api.md §3–§5), each party seeing each step through the gateway.</summary>
[Collection(RunningNetworkCollection.Name)]
public class LifecycleTests(RunningNetwork network)
{
    [Fact]
    public async Task The_full_journey_closes_the_loop_with_a_message_back_to_the_gp()
    {
        var journey = await Journey.StartAsync(network, "lifecycle");
        var secondProvider = await network.RegisterAsync("Kirkdale Community Hub", "community-provider", journey.Area);
        var fullService = await journey.ListServiceAsync(secondProvider, "Digital skills café");
        var id = await journey.ReferralInProgressAsync();

        // Two onward referrals: one taken up and completed, one declined for capacity.
        var walking = await journey.ReferOnAsync(id, journey.ServiceId);
        var cafe = await journey.ReferOnAsync(id, fullService);

        await journey.InboxItemAsync(journey.Provider, walking);
        await Json.ReadAsync(await journey.Provider.Client.PostAsync($"/api/provider/referrals/{walking}/acknowledge", null));
        await Json.ReadAsync(await journey.Provider.Client.PostAsync($"/api/provider/referrals/{walking}/accept", null));
        await Json.ReadAsync(await journey.Provider.Client.PostAsJsonAsync($"/api/provider/referrals/{walking}/attendance",
            new { date = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd"), attended = true }));
        var inProgress = await journey.InboxItemAsync(journey.Provider, walking);
        Assert.Equal("in-progress", inProgress.GetProperty("status").GetString());

        await journey.InboxItemAsync(secondProvider, cafe);
        await Json.ReadAsync(await secondProvider.Client.PostAsJsonAsync($"/api/provider/referrals/{cafe}/reject", new { reason = "at-capacity" }));
        var rejected = await journey.SeenByGpAsync(id, r => Journey.OnwardStatus(r, cafe) == "rejected", "the rejection");
        Assert.Equal("at-capacity", Journey.Onward(rejected, cafe).GetProperty("statusReason").GetString());

        // Both ways: the GP, the link worker and the provider holding an onward referral talk on the referral.
        await Json.ReadAsync(await journey.Gp.Client.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = "Ada's daughter can drive her on Tuesdays." }));
        await Json.ReadAsync(await journey.Provider.Client.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = "Ada came to her first walk." }));
        var messages = await Json.ReadAsync(await journey.LinkWorkers.Client.GetAsync($"/api/referrals/{id}/messages"));
        Assert.Equal(2, messages.GetArrayLength());
        var stranger = await network.RegisterAsync("Elsewhere Practice", "gp-practice", journey.Area);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Client.GetAsync($"/api/referrals/{id}/messages")).StatusCode);

        // Hold and resume.
        await Json.ReadAsync(await journey.LinkWorkers.Client.PostAsJsonAsync($"/api/cases/{id}/hold", new { note = "In hospital for a week." }));
        await journey.SeenByGpAsync(id, r => r.GetProperty("status").GetString() == "on-hold", "on-hold");
        await Json.ReadAsync(await journey.LinkWorkers.Client.PostAsync($"/api/cases/{id}/resume", null));
        await journey.SeenByGpAsync(id, r => r.GetProperty("status").GetString() == "in-progress", "resumed");

        // Measures, then the provider completes and the link worker closes.
        foreach (var (timepoint, item) in new[] { ("baseline", 3), ("follow-up", 4) })
        {
            await Eventually.GetAsync<string>(async () => (await journey.LinkWorkers.Client.PostAsJsonAsync("/api/outcomes",
                new { referralId = id, instrument = "swemwbs", timepoint, responses = Enumerable.Repeat(item, 7) })).StatusCode == HttpStatusCode.Created ? "ok" : null,
                "the feedback service to know the referral");
        }

        await Json.ReadAsync(await journey.Provider.Client.PostAsJsonAsync($"/api/provider/referrals/{walking}/complete", new { summary = "Walks weekly now." }));
        await journey.SeenByGpAsync(id, r => Journey.OnwardStatus(r, walking) == "completed", "the provider's completion");
        await Eventually.GetAsync(async () =>
        {
            var timeline = await Json.ReadAsync(await journey.Gp.Client.GetAsync($"/api/referrals/{id}/timeline"));
            return timeline.EnumerateArray().Count(e => e.GetProperty("type").GetString() == "outcome.recorded") == 2 ? "both" : null;
        }, "both measures on the referral");
        await Json.ReadAsync(await journey.LinkWorkers.Client.PostAsJsonAsync($"/api/cases/{id}/close", new { outcome = "goals-met", summary = "Walking weekly, feels less alone." }));

        var completed = await journey.SeenByGpAsync(id, r => r.GetProperty("status").GetString() == "completed", "completion");
        Assert.Equal("completed", Journey.Onward(completed, walking).GetProperty("status").GetString());
        var messageBack = (await Json.ReadAsync(await journey.Gp.Client.GetAsync($"/api/referrals/{id}/message-back"))).GetRawText();
        Assert.Contains("871731000000106", messageBack);
        Assert.DoesNotContain("871711000000103", messageBack);
        Assert.Contains("Stanley Park walking group", messageBack);
        Assert.Contains("Digital skills café", messageBack);
        Assert.Contains("goals-met", messageBack);

        var types = (await Json.ReadAsync(await journey.Gp.Client.GetAsync($"/api/referrals/{id}/timeline")))
            .EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        foreach (var expected in new[]
        {
            "referral.requested", "referral.accepted", "referral.contact-made", "onward-referral.requested", "onward-referral.received",
            "onward-referral.accepted", "onward-referral.attendance-recorded", "onward-referral.rejected", "referral.message-posted",
            "referral.on-hold", "referral.resumed", "outcome.recorded", "onward-referral.completed", "referral.completed",
        })
        {
            Assert.Contains(expected, types);
        }

        Assert.Equal("referral.completed", types[^1]);

        // The link-worker side sees the same end.
        var finished = await Json.ReadAsync(await journey.LinkWorkers.Client.GetAsync($"/api/cases/{id}"));
        Assert.Equal("completed", finished.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await journey.LinkWorkers.Client.PostAsJsonAsync($"/api/cases/{id}/hold", new { })).StatusCode);
    }

    [Fact]
    public async Task Cancelling_in_the_middle_of_an_onward_referral_tells_the_provider()
    {
        var journey = await Journey.StartAsync(network, "cancel");
        var id = await journey.ReferralInProgressAsync();
        var onward = await journey.ReferOnAsync(id, journey.ServiceId);
        await journey.InboxItemAsync(journey.Provider, onward);
        await Json.ReadAsync(await journey.Provider.Client.PostAsync($"/api/provider/referrals/{onward}/accept", null));

        // Only the referrer may cancel.
        Assert.Equal(HttpStatusCode.Forbidden, (await journey.LinkWorkers.Client.PostAsJsonAsync($"/api/referrals/{id}/cancel", new { reason = "revoked" })).StatusCode);
        await Json.ReadAsync(await journey.Gp.Client.PostAsJsonAsync($"/api/referrals/{id}/cancel", new { reason = "revoked", note = "Moved to Leeds." }));

        var cancelled = await journey.SeenByGpAsync(id, r => r.GetProperty("status").GetString() == "cancelled"
            && Journey.OnwardStatus(r, onward) == "cancelled", "the cancellation to reach the onward referral");
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        var atProvider = await journey.InboxItemAsync(journey.Provider, onward, i => i.GetProperty("status").GetString() == "cancelled");
        Assert.Equal("cancelled", atProvider.GetProperty("status").GetString());
        await Journey.SeenByAsync(journey.LinkWorkers, $"/api/cases/{id}", c => c.GetProperty("status").GetString() == "cancelled", "the case cancelled");

        Assert.Equal(HttpStatusCode.Conflict, (await journey.Gp.Client.PostAsJsonAsync($"/api/referrals/{id}/cancel", new { reason = "revoked" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await journey.Provider.Client.PostAsJsonAsync($"/api/provider/referrals/{onward}/attendance",
            new { date = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd"), attended = true })).StatusCode);
    }

    [Fact]
    public async Task An_onward_referral_nobody_acknowledges_is_nudged_escalated_then_fails_with_no_response()
    {
        var journey = await Journey.StartAsync(network, "sla");
        var id = await journey.ReferralInProgressAsync();
        var onward = await journey.ReferOnAsync(id, journey.ServiceId);

        var expired = await journey.SeenByGpAsync(id, r => Journey.OnwardStatus(r, onward) == "failed", "expiry", seconds: 90);
        Assert.Equal("no-response", Journey.Onward(expired, onward).GetProperty("statusReason").GetString());

        var types = (await Json.ReadAsync(await journey.Gp.Client.GetAsync($"/api/referrals/{id}/timeline")))
            .EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Single(types, t => t == "onward-referral.reminder");
        Assert.Single(types, t => t == "onward-referral.escalated");
        Assert.True(types.IndexOf("onward-referral.reminder") < types.IndexOf("onward-referral.escalated"));
        Assert.True(types.IndexOf("onward-referral.escalated") < types.IndexOf("onward-referral.failed"));
        Assert.Equal(HttpStatusCode.Conflict, (await journey.Provider.Client.PostAsync($"/api/provider/referrals/{onward}/acknowledge", null)).StatusCode);
    }

    [Fact]
    public async Task A_self_referral_reaches_the_link_worker_service_of_its_area()
    {
        var area = "self-" + Guid.NewGuid().ToString("N")[..6];
        var linkWorkers = await network.RegisterAsync("Self Area Link Workers", "link-worker-service", area);
        var response = await network.Gateway.PostAsync("/api/self-referrals", new StringContent(ReferralJourneyTests.SelfReferral(area), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await Json.ReadAsync(response)).GetProperty("id").GetGuid();

        await Journey.SeenByAsync(linkWorkers, "/api/cases", cases => cases.EnumerateArray().Any(c => c.GetProperty("id").GetGuid() == id), "the self-referral's case");
        // The referral service hears of the routing a moment later; from then on the service is a party.
        var referral = await Eventually.GetAsync<JsonElement?>(async () =>
        {
            var found = await linkWorkers.Client.GetAsync($"/api/referrals/{id}");
            return found.IsSuccessStatusCode ? await Json.ReadAsync(found) : null;
        }, "the referral to show the link-worker service");
        Assert.Equal("self-referral", referral!.Value.GetProperty("pathway").GetString());
    }
}
