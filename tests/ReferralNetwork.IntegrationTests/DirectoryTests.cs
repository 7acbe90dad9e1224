using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.IntegrationTests.Infrastructure;
using Published = ReferralNetwork.Contracts.CommunityProviders;

namespace ReferralNetwork.IntegrationTests;

/// <summary>Directory editing and capacity at the community-provider service (partner-api.md §5).</summary>
[Collection(RealInfrastructureCollection.Name)]
public class DirectoryTests(RealInfrastructure infrastructure)
{
    private static object Edited(string name, string status = "active") => new
    {
        name,
        description = "Longer walks now, tea afterwards.",
        categories = new[] { "physical-activity", "nature-and-green-space" },
        area = "liverpool-north",
        postcode = "L6 3AB",
        schedule = "Thursdays 14:00",
        cost = "donation",
        eligibility = new { minAge = 16, maxAge = 90 },
        accessibility = new[] { "step-free", "hearing-loop" },
        referralMode = "direct",
        capacity = new { maximum = 20, available = 8 },
        status,
    };

    private HttpClient ClientFor(Guid organisation, OrganisationKind kind = OrganisationKind.CommunityProvider)
    {
        var client = infrastructure.CommunityProviders.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, kind, name: "Green Steps"));
        return client;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<Guid> ListAsync(HttpClient provider) =>
        (await JsonAsync(await provider.PostAsJsonAsync("/api/directory/services", CommunityProviderServiceTests.WalkingGroup()))).GetProperty("id").GetGuid();

    [Fact]
    public async Task The_owner_edits_the_listing_and_the_whole_listing_is_republished()
    {
        var owner = ClientFor(Guid.NewGuid());
        var id = await ListAsync(owner);

        var response = await owner.PutAsJsonAsync($"/api/directory/services/{id}", Edited("Sefton Park walking group", "temporarily-closed"));
        var view = await JsonAsync(response);
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        Assert.Equal("Sefton Park walking group", view.GetProperty("name").GetString());
        Assert.Equal("temporarily-closed", view.GetProperty("status").GetString());

        var (_, announced) = await infrastructure.WaitForPublishedAsync<Published.CommunityServiceListed>(m => m.ServiceId == id && m.Name == "Sefton Park walking group");
        Assert.Equal("temporarily-closed", announced.Status);
        Assert.Equal("donation", announced.Cost);
        Assert.Equal("L6 3AB", announced.Postcode);
        Assert.Equal("Thursdays 14:00", announced.Schedule);
        Assert.Equal(16, announced.MinAge);
        Assert.Equal(90, announced.MaxAge);
        Assert.Equal(["step-free", "hearing-loop"], announced.Accessibility!);
        Assert.Equal(20, announced.CapacityMaximum);
        Assert.Equal(8, announced.CapacityAvailable);
        Assert.Equal("none", announced.Waitlist);
        Assert.NotNull(announced.ConfirmedAt);

        // A stale If-Match is refused and changes nothing.
        var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/directory/services/{id}") { Content = JsonContent.Create(Edited("Stale name")) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        Assert.Equal(HttpStatusCode.Conflict, (await owner.SendAsync(stale)).StatusCode);

        var confirmed = await JsonAsync(await owner.PostAsync($"/api/directory/services/{id}/confirm", null));
        Assert.True(confirmed.GetProperty("confirmedAt").GetDateTimeOffset() > view.GetProperty("confirmedAt").GetDateTimeOffset());
        Assert.Equal("Sefton Park walking group", confirmed.GetProperty("name").GetString());
    }

    [Fact]
    public async Task One_providers_services_are_found_by_its_id()
    {
        var providerId = Guid.NewGuid();
        var provider = ClientFor(providerId);
        var first = await ListAsync(provider);
        var second = await ListAsync(provider);
        await ListAsync(ClientFor(Guid.NewGuid()));

        var found = await JsonAsync(await ClientFor(Guid.NewGuid(), OrganisationKind.LinkWorkerService).GetAsync($"/api/directory/services?providerId={providerId}"));

        Assert.Equal([first, second], found.EnumerateArray().Select(s => s.GetProperty("id").GetGuid()).Order().ToArray());
        Assert.All(found.EnumerateArray(), s => Assert.Equal(providerId, s.GetProperty("providerId").GetGuid()));
    }

    [Fact]
    public async Task Another_provider_cannot_edit_a_service_and_nothing_changes()
    {
        var owner = ClientFor(Guid.NewGuid());
        var id = await ListAsync(owner);
        var other = ClientFor(Guid.NewGuid());

        Assert.Equal(HttpStatusCode.NotFound, (await other.PutAsJsonAsync($"/api/directory/services/{id}", Edited("Hijacked"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PutAsJsonAsync($"/api/directory/services/{id}/capacity", new { available = 0, waitlist = "none" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/api/directory/services/{id}/confirm", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice).PutAsJsonAsync($"/api/directory/services/{id}", Edited("Hijacked"))).StatusCode);

        var response = await owner.GetAsync($"/api/directory/services/{id}");
        var service = await JsonAsync(response);
        Assert.Equal("Stanley Park walking group", service.GetProperty("name").GetString());
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Capacity_changes_are_validated_and_shown_in_the_capacity_check()
    {
        var owner = ClientFor(Guid.NewGuid());
        var id = await ListAsync(owner);

        foreach (var invalid in new object[] { new { available = 13, waitlist = "none" }, new { available = -1, waitlist = "none" }, new { available = 1 } })
        {
            var refused = await owner.PutAsJsonAsync($"/api/directory/services/{id}/capacity", invalid);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PutAsJsonAsync($"/api/directory/services/{id}/capacity", new { available = 1, waitlist = "soon" })).StatusCode);

        var changed = await JsonAsync(await owner.PutAsJsonAsync($"/api/directory/services/{id}/capacity", new { available = 0, waitlist = "1-3-months" }));
        Assert.Equal(0, changed.GetProperty("capacity").GetProperty("available").GetInt32());
        Assert.Equal("1-3-months", changed.GetProperty("waitlist").GetString());

        var check = await JsonAsync(await ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice).GetAsync("/api/directory/capacity?category=physical-activity&area=liverpool-north"));
        var entry = check.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("serviceId").GetGuid() == id);
        Assert.Equal(0, entry.GetProperty("available").GetInt32());
        Assert.Equal(12, entry.GetProperty("maximum").GetInt32());
        Assert.Equal("1-3-months", entry.GetProperty("waitlist").GetString());
        Assert.Equal(["serviceId", "name", "providerName", "available", "maximum", "waitlist", "updatedAt"], entry.EnumerateObject().Select(p => p.Name));
        Assert.True(check.GetProperty("totals").GetProperty("atCapacity").GetInt32() >= 1);
    }

    [Fact]
    public async Task An_acceptance_uses_a_place_a_completion_frees_it_and_at_capacity_rejections_are_counted()
    {
        var providerId = Guid.NewGuid();
        var provider = ClientFor(providerId);
        var serviceId = await ListAsync(provider);
        Task<Guid> ArrivesAsync() => ArrivedAsync(provider, providerId, serviceId);

        async Task<JsonElement> ServiceAsync() => await JsonAsync(await provider.GetAsync($"/api/directory/services/{serviceId}"));

        var accepted = await ArrivesAsync();
        await JsonAsync(await provider.PostAsync($"/api/provider/referrals/{accepted}/accept", null));
        Assert.Equal(4, (await ServiceAsync()).GetProperty("capacity").GetProperty("available").GetInt32());
        await infrastructure.WaitForPublishedAsync<Published.CommunityServiceListed>(m => m.ServiceId == serviceId && m.CapacityAvailable == 4);

        await JsonAsync(await provider.PostAsJsonAsync($"/api/provider/referrals/{accepted}/attendance", new { date = DateOnly.FromDateTime(DateTime.UtcNow), attended = true }));
        await JsonAsync(await provider.PostAsJsonAsync($"/api/provider/referrals/{accepted}/complete", new { summary = "Walks every week now." }));
        Assert.Equal(5, (await ServiceAsync()).GetProperty("capacity").GetProperty("available").GetInt32());

        var turnedAway = await ArrivesAsync();
        await JsonAsync(await provider.PostAsJsonAsync($"/api/provider/referrals/{turnedAway}/reject", new { reason = "at-capacity" }));
        var service = await ServiceAsync();
        Assert.Equal(1, service.GetProperty("atCapacityRejections").GetInt32());
        Assert.Equal(5, service.GetProperty("capacity").GetProperty("available").GetInt32());
    }

    [Fact]
    public async Task With_one_place_accept_accept_complete_leaves_none_free_while_a_place_is_still_held()
    {
        var providerId = Guid.NewGuid();
        var provider = ClientFor(providerId);
        var serviceId = await ListWithPlacesAsync(provider, 1);
        var first = await ArrivedAsync(provider, providerId, serviceId);
        var second = await ArrivedAsync(provider, providerId, serviceId);

        await JsonAsync(await provider.PostAsync($"/api/provider/referrals/{first}/accept", null));
        Assert.Equal(0, await AvailableAsync(provider, serviceId));
        // Over capacity: the provider takes the second person on anyway, who now holds a place too.
        await JsonAsync(await provider.PostAsync($"/api/provider/referrals/{second}/accept", null));
        Assert.Equal(0, await AvailableAsync(provider, serviceId));

        await CompleteAsync(provider, first);
        Assert.Equal(0, await AvailableAsync(provider, serviceId));

        // Places held cannot be declared free by hand; no places and a waitlist can.
        var refused = await provider.PutAsJsonAsync($"/api/directory/services/{serviceId}/capacity", new { available = 1, waitlist = "none" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("held by onward referrals you accepted", await refused.Content.ReadAsStringAsync());
        await JsonAsync(await provider.PutAsJsonAsync($"/api/directory/services/{serviceId}/capacity", new { available = 0, waitlist = "under-1-month" }));

        await CompleteAsync(provider, second);
        Assert.Equal(1, await AvailableAsync(provider, serviceId));
        await infrastructure.WaitForPublishedAsync<Published.CommunityServiceListed>(m => m.ServiceId == serviceId && m.CapacityAvailable == 1);
    }

    [Fact]
    public async Task Concurrent_acceptances_at_one_service_all_go_through_and_each_holds_a_place()
    {
        var providerId = Guid.NewGuid();
        var provider = ClientFor(providerId);
        var serviceId = await ListWithPlacesAsync(provider, 2);
        var onward = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            onward.Add(await ArrivedAsync(provider, providerId, serviceId));
        }

        // Each acceptance appends to the one service stream: they take turns rather than conflict.
        var accepted = await Task.WhenAll(onward.Select(id => provider.PostAsync($"/api/provider/referrals/{id}/accept", null)));
        Assert.All(accepted, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(0, await AvailableAsync(provider, serviceId));

        var expected = new[] { 0, 0, 1, 2 };
        for (var i = 0; i < onward.Count; i++)
        {
            await JsonAsync(await provider.PostAsJsonAsync($"/api/provider/referrals/{onward[i]}/fail", new { reason = "Stopped coming." }));
            Assert.Equal(expected[i], await AvailableAsync(provider, serviceId));
        }
    }

    private static object WithPlaces(int maximum) => new
    {
        name = "Stanley Park walking group",
        categories = new[] { "physical-activity" },
        area = "liverpool-north",
        cost = "free",
        referralMode = "direct",
        capacity = new { maximum, available = maximum },
    };

    private async Task<Guid> ListWithPlacesAsync(HttpClient provider, int maximum) =>
        (await JsonAsync(await provider.PostAsJsonAsync("/api/directory/services", WithPlaces(maximum)))).GetProperty("id").GetGuid();

    private static async Task<int> AvailableAsync(HttpClient provider, Guid serviceId) =>
        (await JsonAsync(await provider.GetAsync($"/api/directory/services/{serviceId}"))).GetProperty("capacity").GetProperty("available").GetInt32();

    private static async Task CompleteAsync(HttpClient provider, Guid onwardReferralId)
    {
        await JsonAsync(await provider.PostAsJsonAsync($"/api/provider/referrals/{onwardReferralId}/attendance", new { date = DateOnly.FromDateTime(DateTime.UtcNow), attended = true }));
        await JsonAsync(await provider.PostAsJsonAsync($"/api/provider/referrals/{onwardReferralId}/complete", new { summary = "Walks every week now." }));
    }

    /// <summary>Delivers an onward referral to the service as the link-worker service's relay would, and waits until it is in the inbox.</summary>
    private async Task<Guid> ArrivedAsync(HttpClient provider, Guid providerId, Guid serviceId)
    {
        var requested = new OnwardReferralRequested(
            Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.NewGuid(), serviceId, "Stanley Park walking group", providerId, "Green Steps",
            ["physical-activity"], null, new OnwardReferralPerson("Ada", "Lovelace", "07700900123", null, "phone", "en", null), DateTimeOffset.UtcNow);
        await infrastructure.PublishAsync(requested, Guid.NewGuid());
        await Eventually.GetAsync(async () =>
            (await provider.GetAsync($"/api/provider/referrals/{requested.OnwardReferralId}")).IsSuccessStatusCode ? "arrived" : null, "the onward referral in the inbox");
        return requested.OnwardReferralId;
    }
}
