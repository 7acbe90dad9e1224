using System.Net;
using System.Text;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests.Security;

/// <summary>
/// Issue 13 item 6: a self-referral retried through the gateway with its Idempotency-Key is one referral,
/// and the key tells someone else who reuses it nothing.
/// </summary>
[Collection(RunningNetworkCollection.Name)]
public class AnonymousIdempotencyTests(RunningNetwork network)
{
    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/self-referrals") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        var response = await network.Gateway.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_self_referral_retried_through_the_gateway_is_one_referral_and_a_reused_key_is_just_another()
    {
        var area = "retry-" + Guid.NewGuid().ToString("N")[..6];
        var linkWorkers = await network.RegisterAsync("Retry Link Workers", "link-worker-service", area);
        var key = Guid.NewGuid().ToString();
        var mine = ReferralJourneyTests.SelfReferral(area, "Mine: lonely since the move.");

        var first = await PostAsync(mine, key);
        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal((HttpStatusCode.Accepted, first.Body), await PostAsync(mine, key));
        var id = JsonDocument.Parse(first.Body).RootElement.GetProperty("id").GetGuid();

        var theirs = await PostAsync(ReferralJourneyTests.SelfReferral(area, "Theirs, same key."), key);
        Assert.Equal(HttpStatusCode.Accepted, theirs.Status);
        var root = JsonDocument.Parse(theirs.Body).RootElement;
        Assert.Equal(["id"], root.EnumerateObject().Select(p => p.Name));
        var otherId = root.GetProperty("id").GetGuid();
        Assert.NotEqual(id, otherId);

        // The area's link-worker service gets exactly the two, however many times the first was sent.
        var cases = await Eventually.GetAsync(async () =>
        {
            var listed = JsonDocument.Parse(await linkWorkers.Client.GetStringAsync("/api/cases")).RootElement.EnumerateArray()
                .Select(c => c.GetProperty("id").GetGuid()).ToList();
            return listed.Count >= 2 ? listed : null;
        }, "both self-referrals routed");
        await Task.Delay(1000);
        cases = JsonDocument.Parse(await linkWorkers.Client.GetStringAsync("/api/cases")).RootElement.EnumerateArray()
            .Select(c => c.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(new[] { id, otherId }.Order(), cases.Order());
    }
}
