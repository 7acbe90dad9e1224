using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests.Security;

/// <summary>
/// partner-api.md §10 as an attacker holding a stolen token sees it: after a secret rotation or a
/// suspension the token is dead at the gateway at once, and a suspended organisation gets no new one.
/// </summary>
[Collection(RunningNetworkCollection.Name)]
public class RevocationTests(RunningNetwork network)
{
    private sealed record Registered(Guid Id, string ClientId, string Secret);

    // An area of their own, so tests that count an area's organisations never see these.

    private async Task<Registered> RegisterAsync(string name)
    {
        var operatorClient = await network.OperatorAsync();
        var response = await operatorClient.PostAsJsonAsync("/api/admin/organisations", new { name, kind = "gp-practice", area = "security-tests" });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return new Registered(
            body.RootElement.GetProperty("id").GetGuid(), body.RootElement.GetProperty("clientId").GetString()!, body.RootElement.GetProperty("clientSecret").GetString()!);
    }

    private async Task<HttpStatusCode> TokenStatusAsync(string clientId, string secret) =>
        (await network.Gateway.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }))).StatusCode;

    private async Task<HttpStatusCode> ReadReferralsAsync(string token) =>
        (await (await network.ClientAsync(token)).GetAsync("/api/referrals")).StatusCode;

    [Fact]
    public async Task A_token_issued_before_a_secret_rotation_gets_401_after_it()
    {
        var organisation = await RegisterAsync("Rotating Surgery");
        var stolen = await network.TokenAsync(organisation.ClientId, organisation.Secret);
        Assert.Equal(HttpStatusCode.OK, await ReadReferralsAsync(stolen));

        var rotated = await (await network.OperatorAsync()).PostAsync($"/api/admin/organisations/{organisation.Id}/secret", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        using var body = JsonDocument.Parse(await rotated.Content.ReadAsStringAsync());
        var newSecret = body.RootElement.GetProperty("clientSecret").GetString()!;

        Assert.Equal(HttpStatusCode.Unauthorized, await ReadReferralsAsync(stolen));
        Assert.Equal(HttpStatusCode.BadRequest, await TokenStatusAsync(organisation.ClientId, organisation.Secret));

        var fresh = await network.TokenAsync(organisation.ClientId, newSecret);
        Assert.Equal(HttpStatusCode.OK, await ReadReferralsAsync(fresh));
        Assert.Equal(HttpStatusCode.Unauthorized, await ReadReferralsAsync(stolen));
    }

    [Fact]
    public async Task A_suspended_organisation_loses_its_tokens_gets_no_new_one_and_signs_in_again_once_reinstated()
    {
        var organisation = await RegisterAsync("Suspended Surgery");
        var before = await network.TokenAsync(organisation.ClientId, organisation.Secret);
        Assert.Equal(HttpStatusCode.OK, await ReadReferralsAsync(before));

        var operatorClient = await network.OperatorAsync();
        var suspended = await operatorClient.PostAsync($"/api/admin/organisations/{organisation.Id}/suspend", null);
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        using (var view = JsonDocument.Parse(await suspended.Content.ReadAsStringAsync()))
        {
            Assert.True(view.RootElement.GetProperty("suspended").GetBoolean());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await ReadReferralsAsync(before));
        Assert.Equal(HttpStatusCode.BadRequest, await TokenStatusAsync(organisation.ClientId, organisation.Secret));
        // Suspending again changes nothing and is no error.
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PostAsync($"/api/admin/organisations/{organisation.Id}/suspend", null)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PostAsync($"/api/admin/organisations/{organisation.Id}/reinstate", null)).StatusCode);
        var after = await network.TokenAsync(organisation.ClientId, organisation.Secret);
        Assert.Equal(HttpStatusCode.OK, await ReadReferralsAsync(after));
        // The token from before the suspension stays dead.
        Assert.Equal(HttpStatusCode.Unauthorized, await ReadReferralsAsync(before));
    }

    [Fact]
    public async Task Only_the_operator_suspends_and_an_unknown_organisation_is_404()
    {
        var organisation = await RegisterAsync("Curious Surgery");
        var partner = await network.ClientAsync(await network.TokenAsync(organisation.ClientId, organisation.Secret));
        Assert.Equal(HttpStatusCode.Forbidden, (await partner.PostAsync($"/api/admin/organisations/{organisation.Id}/suspend", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await network.Gateway.PostAsync($"/api/admin/organisations/{organisation.Id}/suspend", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await network.OperatorAsync()).PostAsync($"/api/admin/organisations/{Guid.NewGuid()}/suspend", null)).StatusCode);
    }
}
