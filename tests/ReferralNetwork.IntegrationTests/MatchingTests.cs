using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.IntegrationTests.Infrastructure;
using Published = ReferralNetwork.Contracts.LinkWorkers;
using ReferralRequested = ReferralNetwork.Contracts.Referrals.ReferralRequested;

namespace ReferralNetwork.IntegrationTests;

[Collection(RealInfrastructureCollection.Name)]
public class MatchingTests(RealInfrastructure infrastructure)
{
    [Fact]
    public async Task The_assessment_is_stored_and_a_capacity_change_at_the_provider_reorders_the_matches()
    {
        var (client, area, caseId) = await AcceptedCaseAsync();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsJsonAsync($"/api/cases/{caseId}/assessment",
            new { whatMatters = "Getting out of the house", needs = new[] { "loneliness" }, barriers = new[] { "weather" } })).StatusCode);
        var assessed = await client.PostAsJsonAsync($"/api/cases/{caseId}/assessment", new
        {
            whatMatters = "Seeing people again; her garden.", needs = new[] { "loneliness", "physical-activity" }, interests = new[] { "walking" },
            barriers = new[] { "cost" },
        });
        Assert.Equal(HttpStatusCode.OK, assessed.StatusCode);
        var shown = await Read(await client.GetAsync($"/api/cases/{caseId}"));
        Assert.Equal("Seeing people again; her garden.", shown.GetProperty("assessment").GetProperty("whatMatters").GetString());
        Assert.Equal(["cost"], shown.GetProperty("assessment").GetProperty("barriers").EnumerateArray().Select(b => b.GetString()));

        var provider = Guid.NewGuid();
        var walking = Listed(provider, "Stanley Park walks", area, available: 4, DateTimeOffset.UtcNow.AddMinutes(-5));
        var choir = Listed(provider, "Community choir", area, available: 2, DateTimeOffset.UtcNow.AddMinutes(-5)) with { Description = "Sing together, tea afterwards." };
        await infrastructure.PublishAsync(walking, Guid.NewGuid());
        await infrastructure.PublishAsync(choir, Guid.NewGuid());

        var before = await MatchesAsync(client, caseId, m => m.Count == 2);
        Assert.Equal(walking.ServiceId, before[0].GetProperty("serviceId").GetGuid()); // the interest in walking tips it
        Assert.Contains("4 places available", Reasons(before[0]));
        Assert.Contains("Free — cost was raised as a barrier", Reasons(before[0]));

        // The walking group fills up: the provider publishes the listing again, later.
        await infrastructure.PublishAsync(walking with { CapacityAvailable = 0, Waitlist = "1-3-months", At = DateTimeOffset.UtcNow }, Guid.NewGuid());
        var after = await MatchesAsync(client, caseId, m => m[0].GetProperty("serviceId").GetGuid() == choir.ServiceId);
        Assert.Contains("No places now; waitlist 1-3 months", Reasons(after[1]));
        Assert.Equal(0, after[1].GetProperty("capacity").GetProperty("available").GetInt32());

        // An older copy arriving late does not undo it.
        await infrastructure.PublishAsync(walking, Guid.NewGuid());
        await Task.Delay(1000);
        Assert.Equal(choir.ServiceId, (await MatchesAsync(client, caseId, m => m.Count == 2))[0].GetProperty("serviceId").GetGuid());

        // Referring on to the full service still goes, with a warning.
        var onward = await Read(await client.PostAsJsonAsync($"/api/cases/{caseId}/onward-referrals", new { serviceId = walking.ServiceId }), HttpStatusCode.Created);
        Assert.Equal("requested", onward.GetProperty("status").GetString());
        Assert.Equal(["Stanley Park walks has no places now (waitlist 1-3 months)."], onward.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
    }

    [Fact]
    public async Task With_nobody_free_a_case_waits_in_the_queue_and_caseloads_show_people_per_year()
    {
        var (client, area, accepted) = await AcceptedCaseAsync(maxActiveCases: 1);
        var waiting = await RoutedReferralAsync(area, Urgency.Priority);

        var refused = await client.PostAsJsonAsync($"/api/cases/{waiting}/accept", new { });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("waiting queue", (await Read(refused, HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync($"/api/cases/{waiting}/assessment",
            new { whatMatters = "Too early", needs = Array.Empty<string>() })).StatusCode);

        var queue = await Read(await client.GetAsync("/api/cases/queue"));
        var queued = Assert.Single(queue.EnumerateArray());
        Assert.Equal(waiting, queued.GetProperty("id").GetGuid());
        Assert.Equal("priority", queued.GetProperty("urgency").GetString());
        Assert.True(queued.GetProperty("waitedHours").GetInt32() >= 0);

        var worker = Assert.Single((await Read(await client.GetAsync("/api/link-workers"))).EnumerateArray());
        Assert.Equal(1, worker.GetProperty("activeCases").GetInt32());
        Assert.Equal(1, worker.GetProperty("peoplePerYear").GetInt32());
        Assert.Equal(250, worker.GetProperty("peoplePerYearGuidance").GetInt32());
        Assert.False(worker.GetProperty("overGuidance").GetBoolean());

        // Given room, the queued case is taken on.
        var id = worker.GetProperty("id").GetGuid();
        var raised = await Read(await client.PutAsJsonAsync($"/api/link-workers/{id}", new { name = "Sam Jones", maxActiveCases = 2 }));
        Assert.True(raised.GetProperty("hasRoom").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/cases/{waiting}/accept", new { })).StatusCode);
        Assert.Empty((await Read(await client.GetAsync("/api/cases/queue"))).EnumerateArray());

        var stranger = ClientFor(Guid.NewGuid());
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PutAsJsonAsync($"/api/link-workers/{id}", new { name = "Mine now", maxActiveCases = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/cases/{accepted}/matches")).StatusCode);
    }

    private static CommunityServiceListed Listed(Guid provider, string name, string area, int available, DateTimeOffset at) => new(
        Guid.NewGuid(), provider, "Green Steps", name, ["physical-activity", "loneliness"], area, "direct", 12, available, at,
        "Gentle walks, tea afterwards.", "L4 0TD", "Tuesdays 10:00", "free", 18, null, ["step-free"], "active", "none", at);

    private async Task<(HttpClient Client, string Area, Guid CaseId)> AcceptedCaseAsync(int maxActiveCases = 20)
    {
        var area = "area-" + Guid.NewGuid().ToString("N")[..6];
        var service = await infrastructure.LinkWorkerServiceKnownAsync(area);
        var client = ClientFor(service, area);
        await Read(await client.PostAsJsonAsync("/api/link-workers", new { name = "Sam Jones", maxActiveCases }), HttpStatusCode.Created);
        var caseId = await RoutedReferralAsync(area, Urgency.Routine);
        await Read(await client.PostAsJsonAsync($"/api/cases/{caseId}/accept", new { }));
        return (client, area, caseId);
    }

    private async Task<Guid> RoutedReferralAsync(string area, Urgency urgency)
    {
        var referral = new ReferralRequested(
            Guid.CreateVersion7(), Pathway.Gp, area, Guid.NewGuid(), "Riverside Surgery", OrganisationKind.GpPractice, ["loneliness"], urgency, null,
            new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), "9434765919", "L1 8JQ", "07700900123", null, "phone", "en", null),
            DateTimeOffset.UtcNow);
        await infrastructure.PublishAsync(referral, Guid.NewGuid());
        await infrastructure.WaitForPublishedAsync<Published.ReferralRouted>(m => m.ReferralId == referral.ReferralId);
        return referral.ReferralId;
    }

    private static Task<List<JsonElement>> MatchesAsync(HttpClient client, Guid caseId, Func<List<JsonElement>, bool> until) =>
        Eventually.GetAsync(async () =>
        {
            var matches = (await Read(await client.GetAsync($"/api/cases/{caseId}/matches"))).EnumerateArray().ToList();
            return until(matches) ? matches : null;
        }, "the directory copy", 30);

    private static List<string?> Reasons(JsonElement match) => match.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ToList();

    private static async Task<JsonElement> Read(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private HttpClient ClientFor(Guid organisation, string area = "liverpool-north")
    {
        var client = infrastructure.LinkWorkers.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, OrganisationKind.LinkWorkerService, area));
        return client;
    }
}
