using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests;

/// <summary>The directory as an Open Referral UK read API, anonymously through the gateway (partner-api.md §5, domain.md § Directory standard).</summary>
[Collection(RunningNetworkCollection.Name)]
public class OpenReferralTests(RunningNetwork network)
{
    private async Task<JsonElement> AnonymousAsync(string path)
    {
        var response = await network.Gateway.GetAsync(path);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        return await Json.ReadAsync(response);
    }

    private static void AssertHsdsService(JsonElement service)
    {
        foreach (var field in new[] { "id", "name", "status", "organization", "cost_options", "service_areas", "service_at_locations", "taxonomy_terms", "service_capacity" })
        {
            Assert.True(service.TryGetProperty(field, out _), $"HSDS service without {field}: {service}");
        }

        Assert.Contains(service.GetProperty("status").GetString(), new[] { "active", "temporarily closed" });
        Assert.True(Guid.TryParse(service.GetProperty("organization").GetProperty("id").GetString(), out _));
        Assert.All(service.GetProperty("taxonomy_terms").EnumerateArray(), t => Assert.Equal("referral-network-needs", t.GetProperty("vocabulary").GetString()));
        var capacity = Assert.Single(service.GetProperty("service_capacity").EnumerateArray());
        Assert.InRange(capacity.GetProperty("available").GetInt32(), 0, capacity.GetProperty("maximum").GetInt32());
        Assert.Equal("places", capacity.GetProperty("unit").GetProperty("name").GetString());
        capacity.GetProperty("updated").GetDateTimeOffset();
        var text = service.GetRawText();
        Assert.DoesNotContain("nhs", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Lovelace", text);
    }

    [Fact]
    public async Task The_directory_is_readable_anonymously_in_the_documented_shape()
    {
        var journey = await Journey.StartAsync(network, "oruk");
        var second = await journey.ListServiceAsync(journey.Provider, "Sefton Park walking group");
        Assert.Equal(HttpStatusCode.OK, (await journey.Provider.Client.PutAsJsonAsync($"/api/directory/services/{second}/capacity", new { available = 2, waitlist = "under-1-month" })).StatusCode);

        var index = await AnonymousAsync("/openreferral/");
        Assert.Equal("https://openreferraluk.org", index.GetProperty("profile").GetString());
        Assert.False(string.IsNullOrEmpty(index.GetProperty("version").GetString()));
        Assert.Equal("/openreferral/services", index.GetProperty("_links").GetProperty("services").GetProperty("href").GetString());

        var page = await AnonymousAsync("/openreferral/services?page=1&per_page=2");
        var total = page.GetProperty("totalElements").GetInt64();
        var pages = page.GetProperty("totalPages").GetInt64();
        Assert.True(total >= 2);
        Assert.Equal((total + 1) / 2, pages);
        Assert.Equal(1, page.GetProperty("number").GetInt32());
        Assert.Equal(2, page.GetProperty("size").GetInt32());
        Assert.True(page.GetProperty("first").GetBoolean());
        Assert.Equal(pages == 1, page.GetProperty("last").GetBoolean());
        var content = page.GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(2, content.Count);
        Assert.All(content, AssertHsdsService);

        var lastPage = await AnonymousAsync($"/openreferral/services?page={pages}&per_page=2");
        Assert.True(lastPage.GetProperty("last").GetBoolean());
        Assert.Equal(pages == 1, lastPage.GetProperty("first").GetBoolean());
        Assert.InRange(lastPage.GetProperty("content").GetArrayLength(), 1, 2);

        var one = await AnonymousAsync($"/openreferral/services/{second}");
        AssertHsdsService(one);
        Assert.Equal(second.ToString(), one.GetProperty("id").GetString());
        Assert.Equal("Sefton Park walking group", one.GetProperty("name").GetString());
        Assert.Equal(journey.Provider.Id.ToString(), one.GetProperty("organization").GetProperty("id").GetString());
        Assert.Equal(2, one.GetProperty("service_capacity")[0].GetProperty("available").GetInt32());
        Assert.Equal("L4 0TD", one.GetProperty("service_at_locations")[0].GetProperty("location").GetProperty("physical_addresses")[0].GetProperty("postal_code").GetString());
        Assert.Equal("free", one.GetProperty("cost_options")[0].GetProperty("option").GetString());
        Assert.Equal(18, one.GetProperty("minimum_age").GetInt32());
        Assert.Equal(journey.Area, one.GetProperty("service_areas")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Bad_paging_and_unknown_services_are_problems_and_unpublished_services_are_hidden()
    {
        var badPage = await network.Gateway.GetAsync("/openreferral/services?per_page=501");
        Assert.Equal(HttpStatusCode.BadRequest, badPage.StatusCode);
        Assert.Equal("application/problem+json", badPage.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await network.Gateway.GetAsync("/openreferral/services?page=0")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await network.Gateway.GetAsync($"/openreferral/services/{Guid.NewGuid()}")).StatusCode);

        var journey = await Journey.StartAsync(network, "oruk-hidden");
        Assert.Equal(HttpStatusCode.OK, (await network.Gateway.GetAsync($"/openreferral/services/{journey.ServiceId}")).StatusCode);
        var inactive = new
        {
            name = "Stanley Park walking group", categories = new[] { "physical-activity" }, area = journey.Area, cost = "free", referralMode = "direct",
            capacity = new { maximum = 12, available = 5 }, status = "inactive",
        };
        Assert.Equal(HttpStatusCode.OK, (await journey.Provider.Client.PutAsJsonAsync($"/api/directory/services/{journey.ServiceId}", inactive)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await network.Gateway.GetAsync($"/openreferral/services/{journey.ServiceId}")).StatusCode);
    }

    [Fact]
    public async Task A_provider_cannot_edit_another_providers_service_through_the_gateway()
    {
        var journey = await Journey.StartAsync(network, "oruk-owner");
        var intruder = await network.RegisterAsync("Other Steps", "community-provider", journey.Area);
        var takeover = new
        {
            name = "Taken over", categories = new[] { "physical-activity" }, area = journey.Area, cost = "free", referralMode = "direct",
            capacity = new { maximum = 12, available = 5 },
        };

        var refused = await intruder.Client.PutAsJsonAsync($"/api/directory/services/{journey.ServiceId}", takeover);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await intruder.Client.PutAsJsonAsync($"/api/directory/services/{journey.ServiceId}/capacity", new { available = 0, waitlist = "none" })).StatusCode);

        var unchanged = await AnonymousAsync($"/openreferral/services/{journey.ServiceId}");
        Assert.Equal("Stanley Park walking group", unchanged.GetProperty("name").GetString());
        Assert.Equal(5, unchanged.GetProperty("service_capacity")[0].GetProperty("available").GetInt32());
    }
}
