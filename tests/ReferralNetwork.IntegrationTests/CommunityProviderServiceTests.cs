using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.CommunityProviders.Directory;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.IntegrationTests.Infrastructure;
using Published = ReferralNetwork.Contracts.CommunityProviders;

namespace ReferralNetwork.IntegrationTests;

[Collection(RealInfrastructureCollection.Name)]
public class CommunityProviderServiceTests(RealInfrastructure infrastructure)
{
    internal static object WalkingGroup(string area = "liverpool-north", string referralMode = "direct") => new
    {
        name = "Stanley Park walking group",
        description = "Gentle walks, tea afterwards.",
        categories = new[] { "physical-activity", "loneliness" },
        area,
        postcode = "L4 0TD",
        schedule = "Tuesdays 10:00",
        cost = "free",
        eligibility = new { minAge = 18 },
        accessibility = new[] { "step-free" },
        referralMode,
        capacity = new { maximum = 12, available = 5 },
    };

    private HttpClient ClientFor(Guid organisation, OrganisationKind kind = OrganisationKind.CommunityProvider)
    {
        var client = infrastructure.CommunityProviders.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, kind, name: "Green Steps"));
        return client;
    }

    [Fact]
    public async Task A_listed_service_is_stored_as_an_event_and_announced_to_the_network()
    {
        var provider = Guid.NewGuid();
        var response = await ClientFor(provider).PostAsJsonAsync("/api/directory/services", WalkingGroup());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<ReferralServiceTests.IdOnly>())!.Id;

        var store = infrastructure.CommunityProviders.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var listed = Assert.IsType<ServiceListed>(Assert.Single(await session.Events.FetchStreamAsync(id)).Data);
        Assert.Equal(provider, listed.ProviderId);
        Assert.Equal(ReferralMode.Direct, listed.Details.ReferralMode);

        var (_, announced) = await infrastructure.WaitForPublishedAsync<Published.CommunityServiceListed>(m => m.ServiceId == id);
        Assert.Equal("direct", announced.ReferralMode);
        Assert.Equal(5, announced.CapacityAvailable);

        var found = await ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice).GetFromJsonAsync<List<ReferralServiceTests.IdOnly>>(
            "/api/directory/services?category=physical-activity&area=liverpool-north");
        Assert.Contains(found!, s => s.Id == id);
    }

    [Fact]
    public async Task Only_providers_list_services_and_invalid_listings_are_refused()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice).PostAsJsonAsync("/api/directory/services", WalkingGroup())).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ClientFor(Guid.NewGuid()).PostAsJsonAsync("/api/directory/services", WalkingGroup(referralMode: "sometimes"))).StatusCode);
        var invalid = await ClientFor(Guid.NewGuid()).PostAsJsonAsync("/api/directory/services", new { name = "", categories = new[] { "knitting" }, cost = "free", referralMode = "direct" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        using var problem = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync());
        Assert.Equal(
            ["name", "categories[0]", "area", "capacity"],
            problem.RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task An_onward_referral_delivered_twice_lands_once_and_its_acknowledgement_is_announced()
    {
        var provider = Guid.NewGuid();
        var requested = new OnwardReferralRequested(
            Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.NewGuid(), Guid.NewGuid(), "Walking group", provider, "Green Steps", ["physical-activity"],
            "Prefers mornings", new OnwardReferralPerson("Ada", "Lovelace", "07700900123", null, "phone", "en", "uses a wheelchair"), DateTimeOffset.UtcNow);
        var messageId = Guid.NewGuid();
        await infrastructure.PublishAsync(requested, messageId);
        await infrastructure.PublishAsync(requested, messageId);

        var client = ClientFor(provider);
        var inbox = await Eventually.GetAsync(async () =>
        {
            var items = await client.GetFromJsonAsync<List<ReferralServiceTests.IdOnly>>("/api/provider/referrals");
            return items!.Count > 0 ? items : null;
        }, "the onward referral in the inbox");
        await Task.Delay(1000);
        Assert.Single(await client.GetFromJsonAsync<List<ReferralServiceTests.IdOnly>>("/api/provider/referrals") ?? []);
        Assert.Equal(requested.OnwardReferralId, inbox[0].Id);

        var detail = await client.GetStringAsync($"/api/provider/referrals/{requested.OnwardReferralId}");
        Assert.DoesNotContain("nhsNumber", detail);
        Assert.Contains("uses a wheelchair", detail);
        // By when to acknowledge, plainly: 7 days (the default) from its arrival in the inbox.
        var shown = JsonDocument.Parse(detail).RootElement;
        Assert.Equal(shown.GetProperty("receivedAt").GetDateTimeOffset().AddDays(7), shown.GetProperty("acknowledgeBy").GetDateTimeOffset());

        Assert.Equal(HttpStatusCode.NotFound, (await ClientFor(Guid.NewGuid()).GetAsync($"/api/provider/referrals/{requested.OnwardReferralId}")).StatusCode);

        var acknowledging = await client.PostAsync($"/api/provider/referrals/{requested.OnwardReferralId}/acknowledge", null);
        Assert.Equal(HttpStatusCode.OK, acknowledging.StatusCode);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(await acknowledging.Content.ReadAsStringAsync()).RootElement.GetProperty("acknowledgeBy").ValueKind);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/provider/referrals/{requested.OnwardReferralId}/acknowledge", null)).StatusCode);
        var (_, acknowledged) = await infrastructure.WaitForPublishedAsync<Published.OnwardReferralAcknowledged>(m => m.OnwardReferralId == requested.OnwardReferralId);
        Assert.Equal(requested.ReferralId, acknowledged.ReferralId);

        var store = infrastructure.CommunityProviders.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var referral = await session.LoadAsync<ProviderReferral>(requested.OnwardReferralId);
        Assert.Equal(OnwardReferralStatus.Received, referral!.Status);
    }
}
