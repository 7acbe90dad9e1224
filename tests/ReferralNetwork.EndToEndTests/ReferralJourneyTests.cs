using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests;

/// <summary>One referral through every service, with the referrer watching each step through the gateway.</summary>
[Collection(RunningNetworkCollection.Name)]
public class ReferralJourneyTests(RunningNetwork network)
{
    internal static object Referral(string nhsNumber = "9434765919") => new
    {
        person = new
        {
            givenName = "Ada", familyName = "Lovelace", dateOfBirth = "1950-12-10", nhsNumber, postcode = "L1 8JQ", phone = "07700900123",
            email = (string?)null, preferredContact = "phone", language = "en", accessibilityNeeds = "uses a wheelchair",
        },
        needs = new[] { "loneliness", "physical-activity" },
        reason = "Recently bereaved, isolated since moving.",
        urgency = "routine",
        consent = new { given = true, recordedAt = "2026-11-20T10:00:00Z", shareWithReferrer = "full" },
    };

    /// <summary>The same person referring themselves to <paramref name="area"/> (the public route's body), as JSON.</summary>
    internal static string SelfReferral(string area, string? reason = null)
    {
        var body = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(Referral()))!.AsObject();
        body["area"] = area;
        if (reason is not null)
        {
            body["reason"] = reason;
        }

        return body.ToJsonString();
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task<JsonElement> ReferralAsSeenBy(Partner partner, Guid id, Func<JsonElement, bool> until, string what) =>
        Eventually.GetAsync<JsonElement?>(async () =>
        {
            var referral = await JsonAsync(await partner.Client.GetAsync($"/api/referrals/{id}"));
            return until(referral) ? referral : null;
        }, what).ContinueWith(t => t.Result!.Value);

    [Fact]
    public async Task A_gp_referral_is_routed_accepted_worked_and_referred_on_and_the_gp_sees_every_step()
    {
        var area = "journey-" + Guid.NewGuid().ToString("N")[..6];
        var gp = await network.RegisterAsync("Riverside Surgery", "gp-practice", area);
        var otherGp = await network.RegisterAsync("Hillside Practice", "gp-practice", area);
        var linkWorkers = await network.RegisterAsync("North Link Workers", "link-worker-service", area);
        var provider = await network.RegisterAsync("Green Steps", "community-provider", area);

        var service = await JsonAsync(await provider.Client.PostAsJsonAsync("/api/directory/services", new
        {
            name = "Stanley Park walking group", description = "Gentle walks, tea afterwards.", categories = new[] { "physical-activity", "loneliness" },
            area, postcode = "L4 0TD", schedule = "Tuesdays 10:00", cost = "free", eligibility = new { minAge = 18 },
            accessibility = new[] { "step-free" }, referralMode = "direct", capacity = new { maximum = 12, available = 5 },
        }));
        var serviceId = service.GetProperty("id").GetGuid();
        var linkWorker = await JsonAsync(await linkWorkers.Client.PostAsJsonAsync("/api/link-workers", new { name = "Sam Jones", maxActiveCases = 20 }));

        // The GP refers.
        var submitted = await gp.Client.PostAsJsonAsync("/api/referrals", Referral());
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var id = (await JsonAsync(submitted)).GetProperty("id").GetGuid();
        Assert.Equal($"/api/referrals/{id}", submitted.Headers.Location?.OriginalString);

        // Routed to the area's link-worker service, which now sees the case and the referral.
        var routed = await ReferralAsSeenBy(gp, id, r => r.GetProperty("linkWorkerService").ValueKind == JsonValueKind.Object, "routing");
        Assert.Equal("requested", routed.GetProperty("status").GetString());
        Assert.Equal(linkWorkers.Id, routed.GetProperty("linkWorkerService").GetProperty("id").GetGuid());
        var cases = await JsonAsync(await linkWorkers.Client.GetAsync("/api/cases?status=requested"));
        Assert.Contains(cases.EnumerateArray(), c => c.GetProperty("id").GetGuid() == id);

        // Accepted by a chosen link worker: the GP sees who.
        await JsonAsync(await linkWorkers.Client.PostAsJsonAsync($"/api/cases/{id}/accept", new { linkWorkerId = linkWorker.GetProperty("id").GetGuid() }));
        var accepted = await ReferralAsSeenBy(gp, id, r => r.GetProperty("status").GetString() == "accepted", "acceptance");
        Assert.Equal("Sam Jones", accepted.GetProperty("linkWorker").GetProperty("name").GetString());

        // First contact: in progress.
        await JsonAsync(await linkWorkers.Client.PostAsJsonAsync($"/api/cases/{id}/contacts", new { outcome = "reached" }));
        await ReferralAsSeenBy(gp, id, r => r.GetProperty("status").GetString() == "in-progress", "in-progress");

        // Onward referral to the walking group, once the link-worker service's directory copy has it.
        var onward = await Eventually.GetAsync<JsonElement?>(async () =>
        {
            var response = await linkWorkers.Client.PostAsJsonAsync($"/api/cases/{id}/onward-referrals", new { serviceId, note = "Prefers mornings" });
            return response.StatusCode == HttpStatusCode.Created ? await JsonAsync(response) : null;
        }, "the directory copy to include the service");
        Assert.Equal("requested", onward!.Value.GetProperty("status").GetString());
        var onwardId = onward.Value.GetProperty("id").GetGuid();
        await ReferralAsSeenBy(gp, id, r => r.GetProperty("onwardReferrals").GetArrayLength() == 1, "the onward referral");

        // The provider sees only what it needs, and acknowledges.
        var inboxItem = await Eventually.GetAsync<JsonElement?>(async () =>
        {
            var inbox = await JsonAsync(await provider.Client.GetAsync("/api/provider/referrals"));
            return inbox.EnumerateArray().Where(i => i.GetProperty("id").GetGuid() == onwardId).Select(i => (JsonElement?)i).FirstOrDefault();
        }, "the provider's inbox");
        Assert.DoesNotContain("9434765919", inboxItem!.Value.GetRawText());
        Assert.Contains("uses a wheelchair", inboxItem.Value.GetRawText());
        await JsonAsync(await provider.Client.PostAsync($"/api/provider/referrals/{onwardId}/acknowledge", null));

        // The loop closes: the GP sees the provider received it.
        var received = await ReferralAsSeenBy(gp, id,
            r => r.GetProperty("onwardReferrals")[0].GetProperty("status").GetString() == "received", "the acknowledgement");
        Assert.Equal(serviceId, received.GetProperty("onwardReferrals")[0].GetProperty("serviceId").GetGuid());
        Assert.Equal("Green Steps", received.GetProperty("onwardReferrals")[0].GetProperty("provider").GetProperty("name").GetString());

        var timeline = await JsonAsync(await gp.Client.GetAsync($"/api/referrals/{id}/timeline"));
        string[] expected = ["referral.requested", "referral.accepted", "referral.contact-made", "onward-referral.requested", "onward-referral.received"];
        Assert.Equal(expected, timeline.EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToArray());
        Assert.DoesNotContain("Lovelace", timeline.GetRawText());

        // Measures from the link-worker service handling the referral.
        var outcome = await Eventually.GetAsync<JsonElement?>(async () =>
        {
            var response = await linkWorkers.Client.PostAsJsonAsync("/api/outcomes",
                new { referralId = id, instrument = "swemwbs", timepoint = "baseline", responses = new[] { 3, 3, 3, 3, 3, 3, 3 } });
            return response.StatusCode == HttpStatusCode.Created ? await JsonAsync(response) : null;
        }, "the feedback service to know the referral");
        Assert.Equal(21, outcome!.Value.GetProperty("score").GetProperty("raw").GetInt32());
        Assert.Equal(19.25m, outcome.Value.GetProperty("score").GetProperty("metric").GetDecimal());

        // Another GP practice cannot see any of it.
        Assert.Equal(HttpStatusCode.NotFound, (await otherGp.Client.GetAsync($"/api/referrals/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherGp.Client.GetAsync($"/api/referrals/{id}/timeline")).StatusCode);
        var othersList = await JsonAsync(await otherGp.Client.GetAsync("/api/referrals"));
        Assert.Equal(0, othersList.GetProperty("totalItems").GetInt32());
    }

    [Fact]
    public async Task Bad_input_gets_problem_details_and_creates_nothing()
    {
        var area = "bad-input-" + Guid.NewGuid().ToString("N")[..6];
        var gp = await network.RegisterAsync("Careful Surgery", "gp-practice", area);

        async Task ExpectProblem(HttpResponseMessage response, HttpStatusCode status)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
            Assert.True(problem.RootElement.TryGetProperty("title", out _));
            Assert.DoesNotContain("   at ", problem.RootElement.GetRawText());
            Assert.True(response.Headers.Contains("X-Correlation-Id"));
        }

        var invalid = await gp.Client.PostAsJsonAsync("/api/referrals", Referral(nhsNumber: "9434765918"));
        await ExpectProblem(invalid, HttpStatusCode.UnprocessableEntity);
        using (var problem = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync()))
        {
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("person.nhsNumber", out _));
        }

        var noConsent = JsonSerializer.Serialize(Referral()).Replace("\"given\":true", "\"given\":false");
        await ExpectProblem(await gp.Client.PostAsync("/api/referrals", new StringContent(noConsent, Encoding.UTF8, "application/json")), HttpStatusCode.UnprocessableEntity);

        var unknownUrgency = JsonSerializer.Serialize(Referral()).Replace("\"routine\"", "\"whenever\"");
        await ExpectProblem(await gp.Client.PostAsync("/api/referrals", new StringContent(unknownUrgency, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await ExpectProblem(await gp.Client.PostAsync("/api/referrals", new StringContent("{not json", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await ExpectProblem(await gp.Client.PostAsync("/api/referrals", new StringContent("hello", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType);
        await ExpectProblem(await gp.Client.PostAsync("/api/referrals",
            new StringContent(new string(' ', 300 * 1024) + "{}", Encoding.UTF8, "application/json")), HttpStatusCode.RequestEntityTooLarge);
        await ExpectProblem(await network.Gateway.PostAsJsonAsync("/api/referrals", Referral()), HttpStatusCode.Unauthorized);

        var linkWorkers = await network.RegisterAsync("Busy Link Workers", "link-worker-service", area);
        await ExpectProblem(await linkWorkers.Client.PostAsJsonAsync("/api/referrals", Referral()), HttpStatusCode.Forbidden);

        var mine = await JsonAsync(await gp.Client.GetAsync("/api/referrals"));
        Assert.Equal(0, mine.GetProperty("totalItems").GetInt32());
    }

    [Fact]
    public async Task The_gateway_reports_health_and_echoes_correlation_ids()
    {
        // Another test restarts the broker; the network is healthy again once every service has reconnected.
        await Eventually.GetAsync(async () => (await network.Gateway.GetAsync("/health")).StatusCode == HttpStatusCode.OK ? "healthy" : null, "a healthy network");

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/referrals");
        request.Headers.Add("X-Correlation-Id", "partner-trace-123");
        var response = await network.Gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("partner-trace-123", response.Headers.GetValues("X-Correlation-Id").Single());
    }
}
