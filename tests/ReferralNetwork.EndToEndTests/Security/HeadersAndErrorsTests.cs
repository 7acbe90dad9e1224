using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests.Security;

/// <summary>Issue 12 item 11 through the gateway: no-store and nosniff on every answer, and problems in the partner's words.</summary>
[Collection(RunningNetworkCollection.Name)]
public class HeadersAndErrorsTests(RunningNetwork network)
{
    private static void HasSecurityHeaders(HttpResponseMessage response)
    {
        var what = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} ({(int)response.StatusCode})";
        Assert.True(response.Headers.CacheControl?.NoStore == true, $"no-store on {what}");
        // Once, although both the service and the gateway set it.
        Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var values) && values.SequenceEqual(["nosniff"]), $"nosniff on {what}");
    }

    [Fact]
    public async Task A_person_level_answer_and_every_other_carries_no_store_and_nosniff()
    {
        var journey = await Journey.StartAsync(network, "headers");
        var id = await journey.ReferralInProgressAsync();

        var referral = await journey.Gp.Client.GetAsync($"/api/referrals/{id}");
        Assert.Equal(HttpStatusCode.OK, referral.StatusCode);
        HasSecurityHeaders(referral);
        Assert.Contains("Lovelace", await referral.Content.ReadAsStringAsync());

        using var anonymous = new HttpClient { BaseAddress = network.GatewayUrl };
        foreach (var response in new[]
        {
            await journey.LinkWorkers.Client.GetAsync($"/api/cases/{id}"),
            await journey.Gp.Client.GetAsync($"/api/referrals/{id}/messages"),
            await journey.Gp.Client.GetAsync($"/api/referrals/{Guid.NewGuid()}"),
            await journey.Gp.Client.GetAsync("/api/events?limit=1"),
            await anonymous.GetAsync($"/api/referrals/{id}"),
            await anonymous.GetAsync("/no/such/address"),
            await anonymous.GetAsync("/openreferral/services"),
        })
        {
            HasSecurityHeaders(response);
        }
    }

    [Theory]
    [InlineData("/api/outcomes?referralId=not-a-guid", "referralId")]
    [InlineData("/api/referrals?updatedSince=next-week", "updatedSince")]
    [InlineData("/api/events?limit=lots", "limit")]
    public async Task A_malformed_parameter_is_named_as_the_contract_spells_it_never_as_a_CSharp_parameter(string path, string parameter)
    {
        var partner = await network.RegisterAsync("Malformed Practice", "link-worker-service", "malformed-" + Guid.NewGuid().ToString("N")[..6]);

        var response = await partner.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        HasSecurityHeaders(response);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains($"'{parameter}'", detail, StringComparison.Ordinal);
        foreach (var csharp in new[] { "Guid?", "Guid ", "DateTimeOffset", "Int32", "int?", "ReferralId", "Failed to bind", "parameter \"" })
        {
            Assert.DoesNotContain(csharp, detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_malformed_id_in_a_path_is_a_problem_naming_nothing_internal()
    {
        var partner = await network.RegisterAsync("Malformed Surgery", "gp-practice", "malformed-" + Guid.NewGuid().ToString("N")[..6]);

        var response = await partner.Client.GetAsync("/api/referrals/not-a-guid");

        Assert.True((int)response.StatusCode is 400 or 404, $"{(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        HasSecurityHeaders(response);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Guid", text, StringComparison.Ordinal);
        Assert.DoesNotContain("id:guid", text, StringComparison.Ordinal);
    }
}
