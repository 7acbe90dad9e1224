using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests.Security;

/// <summary>Issue 12 item 10: the public routes that name an area take only an area the network serves.</summary>
[Collection(RunningNetworkCollection.Name)]
public class AnonymousAreaTests(RunningNetwork network)
{
    private static StringContent SelfReferral(string area) => new(ReferralJourneyTests.SelfReferral(area), Encoding.UTF8, "application/json");

    private static async Task AssertAreaRefusedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("area", out _));
    }

    [Fact]
    public async Task Self_referrals_and_suggestions_for_an_area_nobody_serves_are_refused()
    {
        var nowhere = "nowhere-" + Guid.NewGuid().ToString("N")[..6];
        await AssertAreaRefusedAsync(await network.Gateway.PostAsync("/api/self-referrals", SelfReferral(nowhere)));
        await AssertAreaRefusedAsync(await network.Gateway.PostAsJsonAsync("/api/involvement/suggestions", new { area = nowhere, text = "A knitting circle." }));

        // An area with organisations but no link-worker service is not served either.
        var unserved = "unserved-" + Guid.NewGuid().ToString("N")[..6];
        await network.RegisterAsync("Lonely Surgery", "gp-practice", unserved);
        await AssertAreaRefusedAsync(await network.Gateway.PostAsync("/api/self-referrals", SelfReferral(unserved)));

        // Malformed bodies are still the service's to describe.
        var malformed = await network.Gateway.PostAsync("/api/self-referrals", new StringContent("{not json", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task An_area_served_only_by_a_suspended_link_worker_service_takes_no_self_referrals_until_it_is_reinstated()
    {
        var area = "suspended-" + Guid.NewGuid().ToString("N")[..6];
        var linkWorkers = await network.RegisterAsync("Suspended Link Workers", "link-worker-service", area);
        Assert.Equal(HttpStatusCode.Accepted, (await network.Gateway.PostAsync("/api/self-referrals", SelfReferral(area))).StatusCode);

        var operatorClient = await network.OperatorAsync();
        await Json.ReadAsync(await operatorClient.PostAsync($"/api/admin/organisations/{linkWorkers.Id}/suspend", null));
        await AssertAreaRefusedAsync(await network.Gateway.PostAsync("/api/self-referrals", SelfReferral(area)));

        await Json.ReadAsync(await operatorClient.PostAsync($"/api/admin/organisations/{linkWorkers.Id}/reinstate", null));
        Assert.Equal(HttpStatusCode.Accepted, (await network.Gateway.PostAsync("/api/self-referrals", SelfReferral(area))).StatusCode);
    }
}
