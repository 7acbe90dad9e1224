using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests.Security;

/// <summary>
/// Issue 12 items 6 and 7 through the gateway: another organisation's case, onward referral or service is
/// 404 whatever If-Match it sends (never 409), and areas bound listings and onward referrals.
/// </summary>
[Collection(RunningNetworkCollection.Name)]
public class ExistenceOracleTests(RunningNetwork network)
{
    private static HttpRequestMessage WithIfMatch(HttpMethod method, string path, object? body, string version)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue(version));
        return request;
    }

    private static object Listing(string area) => new
    {
        name = "Kirkdale choir", categories = new[] { "loneliness" }, area, cost = "free", referralMode = "direct",
        capacity = new { maximum = 12, available = 5 },
    };

    [Fact]
    public async Task A_strangers_if_match_on_a_case_an_onward_referral_or_a_service_is_404()
    {
        var journey = await Journey.StartAsync(network, "oracle");
        var id = await journey.ReferralInProgressAsync();
        var onward = await journey.ReferOnAsync(id, journey.ServiceId);
        await journey.InboxItemAsync(journey.Provider, onward);
        var elsewhere = await Journey.StartAsync(network, "oracle-elsewhere");
        var otherProvider = await network.RegisterAsync("Other Steps", "community-provider", journey.Area);

        // Versions below, at and above the real one: none may answer differently from a resource that does not exist.
        foreach (var version in new[] { "\"1\"", "\"4\"", "\"5\"", "\"6\"", "\"99\"" })
        {
            foreach (var (client, method, path, body) in new (HttpClient, HttpMethod, string, object?)[]
            {
                (elsewhere.LinkWorkers.Client, HttpMethod.Post, $"/api/cases/{id}/hold", new { note = "x" }),
                (elsewhere.LinkWorkers.Client, HttpMethod.Post, $"/api/cases/{id}/onward-referrals", new { serviceId = journey.ServiceId }),
                (elsewhere.LinkWorkers.Client, HttpMethod.Post, $"/api/cases/{id}/onward-referrals", new { serviceId = Guid.NewGuid() }),
                (elsewhere.LinkWorkers.Client, HttpMethod.Post, $"/api/cases/{id}/onward-referrals/{onward}/withdraw", new { }),
                (otherProvider.Client, HttpMethod.Post, $"/api/provider/referrals/{onward}/accept", null),
                (otherProvider.Client, HttpMethod.Post, $"/api/provider/referrals/{onward}/reject", new { reason = "other" }),
                (otherProvider.Client, HttpMethod.Put, $"/api/directory/services/{journey.ServiceId}", Listing(journey.Area)),
                (otherProvider.Client, HttpMethod.Put, $"/api/directory/services/{journey.ServiceId}/capacity", new { available = 0, waitlist = "none" }),
                (elsewhere.Gp.Client, HttpMethod.Post, $"/api/referrals/{id}/cancel", new { reason = "revoked" }),
                (elsewhere.Gp.Client, HttpMethod.Post, $"/api/referrals/{id}/messages", new { text = "Hello?" }),
            })
            {
                var response = await client.SendAsync(WithIfMatch(method, path, body, version));
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} If-Match {version}: {(int)response.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task A_provider_lists_only_in_its_area_and_a_link_worker_refers_only_to_services_of_the_cases_area()
    {
        var journey = await Journey.StartAsync(network, "areas");
        var elsewhere = await Journey.StartAsync(network, "areas-elsewhere");

        var listedElsewhere = await journey.Provider.Client.PostAsJsonAsync("/api/directory/services", Listing(elsewhere.Area));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, listedElsewhere.StatusCode);
        Assert.True((await listedElsewhere.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("area", out _));
        var moved = await journey.Provider.Client.PutAsJsonAsync($"/api/directory/services/{journey.ServiceId}", Listing(elsewhere.Area));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, moved.StatusCode);

        var id = await journey.ReferralInProgressAsync();
        // The other area's service reaches the link-worker service's directory copy like any other; refused for this case.
        await elsewhere.ReferOnAsync(await elsewhere.ReferralInProgressAsync(), elsewhere.ServiceId);
        var refused = await journey.LinkWorkers.Client.PostAsJsonAsync($"/api/cases/{id}/onward-referrals", new { serviceId = elsewhere.ServiceId });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("serviceId", out _));
    }
}
