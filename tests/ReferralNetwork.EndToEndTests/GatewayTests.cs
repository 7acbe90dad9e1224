using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReferralNetwork.AppHost;

namespace ReferralNetwork.EndToEndTests;

/// <summary>Tokens and the organisation registry (partner-api.md §1, §2), through the running gateway.</summary>
[Collection(RunningNetworkCollection.Name)]
public class GatewayTests(RunningNetwork network)
{
    private static FormUrlEncodedContent Credentials(string clientId, string secret) => new(new Dictionary<string, string>
    {
        ["grant_type"] = "client_credentials",
        ["client_id"] = clientId,
        ["client_secret"] = secret,
    });

    [Fact]
    public async Task Wrong_credentials_get_invalid_client_and_no_token()
    {
        var response = await network.Gateway.PostAsync("/connect/token", Credentials(NetworkModel.OperatorClientId, "not-the-secret"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_client", body.RootElement.GetProperty("error").GetString());

        var unknown = await network.Gateway.PostAsync("/connect/token", Credentials("nobody", "nothing"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task A_registered_organisation_signs_in_with_the_secret_shown_once_and_the_list_holds_no_secrets()
    {
        var operatorClient = await network.OperatorAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/organisations")
        {
            Content = JsonContent.Create(new { name = "Dockside Social Care", kind = "social-care", area = "liverpool-south", odsCode = "A12345" }),
        };
        request.Headers.Add("Idempotency-Key", "dockside-" + Guid.NewGuid().ToString("N"));
        var created = await operatorClient.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = body.RootElement.GetProperty("id").GetGuid();
        var clientId = body.RootElement.GetProperty("clientId").GetString()!;
        var secret = body.RootElement.GetProperty("clientSecret").GetString()!;
        Assert.Equal("social-care", body.RootElement.GetProperty("kind").GetString());

        // The same key again: the same organisation, nothing new.
        var repeat = new HttpRequestMessage(HttpMethod.Post, "/api/admin/organisations") { Content = JsonContent.Create(new { name = "Dockside Social Care", kind = "social-care", area = "liverpool-south", odsCode = "A12345" }) };
        repeat.Headers.Add("Idempotency-Key", request.Headers.GetValues("Idempotency-Key").Single());
        var repeated = await operatorClient.SendAsync(repeat);
        Assert.Equal(HttpStatusCode.Created, repeated.StatusCode);
        using (var again = JsonDocument.Parse(await repeated.Content.ReadAsStringAsync()))
        {
            Assert.Equal(id, again.RootElement.GetProperty("id").GetGuid());
        }

        var token = await network.TokenAsync(clientId, secret);
        Assert.False(string.IsNullOrEmpty(token));

        var list = await operatorClient.GetStringAsync("/api/admin/organisations");
        Assert.Contains(clientId, list);
        Assert.DoesNotContain(secret, list);
        using var organisations = JsonDocument.Parse(list);
        Assert.Single(organisations.RootElement.EnumerateArray(), o => o.GetProperty("id").GetGuid() == id);
        Assert.All(organisations.RootElement.EnumerateArray(), o => Assert.False(o.TryGetProperty("clientSecret", out _)));

        // Partners may not use the registry.
        var partner = await network.ClientAsync(token);
        Assert.Equal(HttpStatusCode.Forbidden, (await partner.GetAsync("/api/admin/organisations")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await network.Gateway.GetAsync("/api/admin/organisations")).StatusCode);
    }

    [Fact]
    public async Task Registrations_with_bad_fields_are_refused()
    {
        var operatorClient = await network.OperatorAsync();
        var unknownKind = await operatorClient.PostAsJsonAsync("/api/admin/organisations", new { name = "X", kind = "pharmacy", area = "liverpool-north" });
        Assert.Equal(HttpStatusCode.BadRequest, unknownKind.StatusCode);
        var noName = await operatorClient.PostAsJsonAsync("/api/admin/organisations", new { name = "", kind = "gp-practice", area = "liverpool-north" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noName.StatusCode);
        var operatorKind = await operatorClient.PostAsJsonAsync("/api/admin/organisations", new { name = "Shadow", kind = "operator", area = "liverpool-north" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, operatorKind.StatusCode);
    }
}
