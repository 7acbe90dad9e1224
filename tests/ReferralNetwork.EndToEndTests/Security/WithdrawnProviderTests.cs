using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests.Security;

/// <summary>Issue 12 item 5 through the gateway: a provider whose onward referral is withdrawn sees nothing of the referral from then on.</summary>
[Collection(RunningNetworkCollection.Name)]
public class WithdrawnProviderTests(RunningNetwork network)
{
    private static async Task<List<JsonElement>> FeedAsync(Partner partner, Guid referralId) =>
        (await Json.ReadAsync(await partner.Client.GetAsync("/api/events?limit=500"))).GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("referralId").GetGuid() == referralId).ToList();

    private static bool IsMessage(JsonElement e, Guid messageId) =>
        e.GetProperty("type").GetString() == "referral.message-posted" && e.GetProperty("data").GetProperty("messageId").GetGuid() == messageId;

    [Fact]
    public async Task A_withdrawn_provider_cannot_read_a_message_posted_after_the_withdrawal_and_its_feed_stops_there()
    {
        var journey = await Journey.StartAsync(network, "withdrawn");
        var id = await journey.ReferralInProgressAsync();
        var onward = await journey.ReferOnAsync(id, journey.ServiceId);
        await journey.InboxItemAsync(journey.Provider, onward);
        // Acknowledged, so the short test deadlines cannot expire it before the withdrawal.
        await Json.ReadAsync(await journey.Provider.Client.PostAsync($"/api/provider/referrals/{onward}/acknowledge", null));
        await journey.SeenByGpAsync(id, r => Journey.OnwardStatus(r, onward) == "received", "the acknowledgement");
        var before = (await Json.ReadAsync(await journey.Provider.Client.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = "Tuesday 10:00 suits us." })))
            .GetProperty("id").GetGuid();

        await Json.ReadAsync(await journey.LinkWorkers.Client.PostAsJsonAsync($"/api/cases/{id}/onward-referrals/{onward}/withdraw", new { note = "A closer group" }));
        await journey.SeenByGpAsync(id, r => Journey.OnwardStatus(r, onward) == "cancelled", "the withdrawal");
        var after = (await Json.ReadAsync(await journey.Gp.Client.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = "She starts at the closer group on Monday." })))
            .GetProperty("id").GetGuid();

        // Its own inbox keeps the onward referral's history, but no longer the person.
        var inboxItem = await Json.ReadAsync(await journey.Provider.Client.GetAsync($"/api/provider/referrals/{onward}"));
        Assert.Equal("cancelled", inboxItem.GetProperty("status").GetString());
        Assert.Equal("(withheld)", inboxItem.GetProperty("person").GetProperty("givenName").GetString());
        Assert.Equal(JsonValueKind.Null, inboxItem.GetProperty("person").GetProperty("phone").ValueKind);
        var inbox = await Json.ReadAsync(await journey.Provider.Client.GetAsync("/api/provider/referrals"));
        Assert.DoesNotContain("Lovelace", inbox.GetRawText());

        var read = await journey.Provider.Client.GetAsync($"/api/referrals/{id}/messages/{after}");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal("application/problem+json", read.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await journey.Provider.Client.GetAsync($"/api/referrals/{id}/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await journey.Provider.Client.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = "Still there?" })).StatusCode);

        // Once the GP's feed has the later message, the provider's would too if it were still in the audience.
        await Eventually.GetAsync(async () => (await FeedAsync(journey.Gp, id)).Any(e => IsMessage(e, after)) ? "written" : null, "the later message in the GP's feed");
        var providerFeed = await FeedAsync(journey.Provider, id);
        Assert.Contains(providerFeed, e => IsMessage(e, before));
        var withdrawal = providerFeed.FindIndex(e => e.GetProperty("type").GetString() == "onward-referral.cancelled");
        Assert.True(withdrawal >= 0, "the provider hears of the withdrawal itself");
        Assert.Equal(providerFeed.Count - 1, withdrawal);
        Assert.DoesNotContain(providerFeed, e => IsMessage(e, after));
    }
}
