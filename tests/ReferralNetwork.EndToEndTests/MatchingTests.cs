using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests;

/// <summary>From assessment to a ranked, explained shortlist that follows the providers' live capacity (issue 4).</summary>
[Collection(RunningNetworkCollection.Name)]
public class MatchingTests(RunningNetwork network)
{
    [Fact]
    public async Task A_link_worker_goes_from_assessment_to_an_explained_shortlist_that_follows_a_providers_capacity()
    {
        var journey = await Journey.StartAsync(network, "matching");
        var hub = await network.RegisterAsync("Kirkdale Community Hub", "community-provider", journey.Area);
        var teaAndTalk = await journey.ListServiceAsync(hub, "Tea and talk");
        var id = await journey.ReferralInProgressAsync();
        var cases = journey.LinkWorkers.Client;

        var assessed = await cases.PostAsJsonAsync($"/api/cases/{id}/assessment", new
        {
            whatMatters = "Getting back out after losing her husband.", needs = new[] { "loneliness", "bereavement" }, interests = new[] { "walking", "tea" },
            barriers = new[] { "mobility", "cost" },
        });
        Assert.Equal(HttpStatusCode.OK, assessed.StatusCode);
        Assert.Equal("bereavement", (await Json.ReadAsync(await cases.GetAsync($"/api/cases/{id}"))).GetProperty("assessment").GetProperty("needs")[1].GetString());

        // Both services fit equally (step-free, free, places): the walking group leads by name and every entry says why.
        var before = await MatchesAsync(journey, id, m => m.Count == 2);
        Assert.Equal(journey.ServiceId, before[0].GetProperty("serviceId").GetGuid());
        Assert.Equal("Green Steps", before[0].GetProperty("providerName").GetString());
        Assert.Equal("direct", before[0].GetProperty("referralMode").GetString());
        var reasons = Reasons(before[0]);
        Assert.Contains("Meets 1 of 2 needs: loneliness", reasons);
        Assert.Contains("Free — cost was raised as a barrier", reasons);
        Assert.Contains("Step-free access", reasons);
        Assert.Contains("5 places available", reasons);
        Assert.Contains("Listing confirmed today", reasons);

        // The walking group fills up: the shortlist follows, and a referral there still goes, with a warning.
        await Json.ReadAsync(await journey.Provider.Client.PutAsJsonAsync($"/api/directory/services/{journey.ServiceId}/capacity",
            new { available = 0, waitlist = "1-3-months" }));
        var after = await MatchesAsync(journey, id, m => m.Count == 2 && m[0].GetProperty("serviceId").GetGuid() == teaAndTalk);
        Assert.Contains("No places now; waitlist 1-3 months", Reasons(after[1]));
        Assert.True(after[0].GetProperty("score").GetInt32() > after[1].GetProperty("score").GetInt32());

        var onward = await Json.ReadAsync(await cases.PostAsJsonAsync($"/api/cases/{id}/onward-referrals", new { serviceId = journey.ServiceId }));
        Assert.Equal("requested", onward.GetProperty("status").GetString());
        Assert.Contains("Stanley Park walking group has no places now (waitlist 1-3 months).",
            onward.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
    }

    private static Task<List<JsonElement>> MatchesAsync(Journey journey, Guid id, Func<List<JsonElement>, bool> until) =>
        Eventually.GetAsync(async () =>
        {
            var matches = (await Json.ReadAsync(await journey.LinkWorkers.Client.GetAsync($"/api/cases/{id}/matches"))).EnumerateArray().ToList();
            return until(matches) ? matches : null;
        }, "the shortlist to follow the directory");

    private static List<string?> Reasons(JsonElement match) => match.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ToList();
}
