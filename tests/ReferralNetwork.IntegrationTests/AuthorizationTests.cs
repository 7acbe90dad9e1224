using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Contracts.Organisations;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using LinkWorkerEvents = ReferralNetwork.Contracts.LinkWorkers;
using ReferralRequested = ReferralNetwork.Contracts.Referrals.ReferralRequested;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// Who may see what, service by service (issue 12 items 5, 6, 7, 11): providers lose a referral with
/// their onward referral, areas bound listings and onward referrals, another party's resource is 404
/// whatever If-Match says, and every answer carries no-store and nosniff.
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public class AuthorizationTests(RealInfrastructure infrastructure)
{
    private readonly string area = "authz-" + Guid.NewGuid().ToString("N")[..8];

    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    private HttpClient ClientFor<T>(WebApplicationFactory<T> host, Guid organisation, OrganisationKind kind, string? inArea = null, string name = "Test organisation")
        where T : class
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, kind, inArea ?? area, name));
        return client;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static HttpRequestMessage WithIfMatch(HttpMethod method, string path, object? body, string version = "\"1\"")
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue(version));
        return request;
    }

    private Task PublishAsync<T>(T message) where T : class => infrastructure.PublishAsync(message, Guid.NewGuid());

    // ---- item 5: a provider that no longer holds an onward referral ----

    private async Task<(HttpClient Gp, Guid Id, Guid Service)> AcceptedReferralAsync()
    {
        var gp = ClientFor(infrastructure.Referrals, Guid.NewGuid(), OrganisationKind.GpPractice, name: "Riverside Surgery");
        var id = (await JsonAsync(await gp.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody()))).GetProperty("id").GetGuid();
        var service = Guid.NewGuid();
        await PublishAsync(new LinkWorkerEvents.ReferralRouted(id, service, "North Link Workers", Now));
        await PublishAsync(new LinkWorkerEvents.ReferralAccepted(id, service, Guid.NewGuid(), "Sam Jones", Now));
        return (gp, id, service);
    }

    private async Task<Guid> ReferredOnAsync(Guid id, Guid service, Guid provider, string serviceName)
    {
        var onward = Guid.NewGuid();
        await PublishAsync(new LinkWorkerEvents.OnwardReferralRequested(
            onward, id, service, Guid.NewGuid(), serviceName, provider, "Green Steps", ["loneliness"], null,
            new LinkWorkerEvents.OnwardReferralPerson("Ada", "Lovelace", null, null, null, null, null), Now));
        return onward;
    }

    private static Task OnwardStatusAsync(HttpClient gp, Guid id, Guid onward, string status) =>
        Eventually.GetAsync(async () =>
        {
            var referral = await JsonAsync(await gp.GetAsync($"/api/referrals/{id}"));
            return referral.GetProperty("onwardReferrals").EnumerateArray()
                .Any(o => o.GetProperty("id").GetGuid() == onward && o.GetProperty("status").GetString() == status) ? "seen" : null;
        }, $"onward referral {status}");

    private static async Task<Guid> PostMessageAsync(HttpClient client, Guid id, string text) =>
        (await JsonAsync(await client.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text }))).GetProperty("id").GetGuid();

    private static async Task<List<JsonElement>> FeedAsync(HttpClient client, Guid referralId) =>
        (await JsonAsync(await client.GetAsync("/api/events?limit=500"))).GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("referralId").GetGuid() == referralId).ToList();

    private static bool IsMessage(JsonElement e, Guid messageId) =>
        e.GetProperty("type").GetString() == "referral.message-posted" && e.GetProperty("data").GetProperty("messageId").GetGuid() == messageId;

    [Fact]
    public async Task A_provider_whose_onward_referral_was_withdrawn_gets_404_on_messages_and_no_later_feed_events()
    {
        var (gp, id, service) = await AcceptedReferralAsync();
        var providerId = Guid.NewGuid();
        var provider = ClientFor(infrastructure.Referrals, providerId, OrganisationKind.CommunityProvider, name: "Green Steps");
        var onward = await ReferredOnAsync(id, service, providerId, "Walking group");
        await OnwardStatusAsync(gp, id, onward, "requested");
        var before = await PostMessageAsync(provider, id, "Tuesday 10:00 suits us.");

        await PublishAsync(new LinkWorkerEvents.OnwardReferralWithdrawn(onward, id, service, providerId, "withdrawn", Now));
        await OnwardStatusAsync(gp, id, onward, "cancelled");
        var after = await PostMessageAsync(gp, id, "She has moved to a closer group.");

        Assert.Equal(HttpStatusCode.NotFound, (await provider.GetAsync($"/api/referrals/{id}/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await provider.GetAsync($"/api/referrals/{id}/messages/{after}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await provider.GetAsync($"/api/referrals/{id}/messages/{before}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await provider.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = "Still there?" })).StatusCode);
        // A stale If-Match from it is 404 too, not 409: it no longer learns the referral's version.
        Assert.Equal(HttpStatusCode.NotFound, (await provider.SendAsync(WithIfMatch(HttpMethod.Post, $"/api/referrals/{id}/messages", new { text = "Hi" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await provider.SendAsync(WithIfMatch(HttpMethod.Post, $"/api/referrals/{id}/cancel", new { reason = "revoked" }))).StatusCode);

        // The referrer's feed has the later message, so the feed writer is past it; the provider's stops at the withdrawal.
        await Eventually.GetAsync(async () => (await FeedAsync(gp, id)).Any(e => IsMessage(e, after)) ? "written" : null, "the later message in the referrer's feed");
        var providerFeed = await FeedAsync(provider, id);
        Assert.Contains(providerFeed, e => IsMessage(e, before));
        Assert.Contains(providerFeed, e => e.GetProperty("type").GetString() == "onward-referral.cancelled");
        Assert.DoesNotContain(providerFeed, e => IsMessage(e, after));
    }

    [Fact]
    public async Task A_provider_keeps_access_through_another_open_onward_referral_and_loses_it_with_the_last()
    {
        var (gp, id, service) = await AcceptedReferralAsync();
        var providerId = Guid.NewGuid();
        var provider = ClientFor(infrastructure.Referrals, providerId, OrganisationKind.CommunityProvider, name: "Green Steps");
        var walking = await ReferredOnAsync(id, service, providerId, "Walking group");
        var choir = await ReferredOnAsync(id, service, providerId, "Choir");
        await OnwardStatusAsync(gp, id, choir, "requested");

        await PublishAsync(new OnwardReferralProgressed(walking, id, providerId, OnwardReferralStep.Rejected, OnwardReferralStatus.Rejected, "at-capacity", null, null, null, Now));
        await OnwardStatusAsync(gp, id, walking, "rejected");
        var whileChoirOpen = await PostMessageAsync(gp, id, "The choir is on Thursdays.");
        Assert.Equal(HttpStatusCode.OK, (await provider.GetAsync($"/api/referrals/{id}/messages/{whileChoirOpen}")).StatusCode);

        await PublishAsync(new LinkWorkerEvents.OnwardReferralWithdrawn(choir, id, service, providerId, "withdrawn", Now));
        await OnwardStatusAsync(gp, id, choir, "cancelled");
        var afterBoth = await PostMessageAsync(gp, id, "Both closed now.");
        Assert.Equal(HttpStatusCode.NotFound, (await provider.GetAsync($"/api/referrals/{id}/messages")).StatusCode);

        await Eventually.GetAsync(async () => (await FeedAsync(gp, id)).Any(e => IsMessage(e, afterBoth)) ? "written" : null, "the last message in the referrer's feed");
        var providerFeed = await FeedAsync(provider, id);
        Assert.Contains(providerFeed, e => IsMessage(e, whileChoirOpen));
        Assert.DoesNotContain(providerFeed, e => IsMessage(e, afterBoth));
    }

    [Fact]
    public async Task A_strangers_if_match_on_a_referral_is_404_never_409()
    {
        var (_, id, _) = await AcceptedReferralAsync();
        var stranger = ClientFor(infrastructure.Referrals, Guid.NewGuid(), OrganisationKind.GpPractice);
        foreach (var version in new[] { "\"1\"", "\"3\"", "\"999\"" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Post, $"/api/referrals/{id}/cancel", new { reason = "revoked" }, version))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Post, $"/api/referrals/{id}/messages", new { text = "Hi" }, version))).StatusCode);
        }
    }

    // ---- items 6 and 7 at the community-provider service ----

    [Fact]
    public async Task A_provider_lists_and_edits_only_in_its_own_area_and_another_providers_service_is_404_whatever_is_sent()
    {
        var owner = ClientFor(infrastructure.CommunityProviders, Guid.NewGuid(), OrganisationKind.CommunityProvider, name: "Green Steps");
        var elsewhere = await owner.PostAsJsonAsync("/api/directory/services", CommunityProviderServiceTests.WalkingGroup("wirral"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, elsewhere.StatusCode);
        Assert.True((await elsewhere.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("area", out _));

        var id = (await JsonAsync(await owner.PostAsJsonAsync("/api/directory/services", CommunityProviderServiceTests.WalkingGroup(area)))).GetProperty("id").GetGuid();
        var moved = await owner.PutAsJsonAsync($"/api/directory/services/{id}", CommunityProviderServiceTests.WalkingGroup("wirral"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, moved.StatusCode);

        var stranger = ClientFor(infrastructure.CommunityProviders, Guid.NewGuid(), OrganisationKind.CommunityProvider);
        foreach (var version in new[] { "\"1\"", "\"7\"" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Put, $"/api/directory/services/{id}", CommunityProviderServiceTests.WalkingGroup(area), version))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Put, $"/api/directory/services/{id}", CommunityProviderServiceTests.WalkingGroup("wirral"), version))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Put, $"/api/directory/services/{id}/capacity", new { available = 1, waitlist = "none" }, version))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Post, $"/api/directory/services/{id}/confirm", null, version))).StatusCode);
        }
    }

    [Fact]
    public async Task Another_providers_onward_referral_is_404_whatever_if_match_says()
    {
        var requested = new LinkWorkerEvents.OnwardReferralRequested(
            Guid.CreateVersion7(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "Walking group", Guid.NewGuid(), "Green Steps", ["physical-activity"],
            null, new LinkWorkerEvents.OnwardReferralPerson("Ada", "Lovelace", "07700900123", null, "phone", "en", null), Now);
        await PublishAsync(requested);
        await Eventually.GetAsync(async () =>
        {
            await using var session = infrastructure.CommunityProviders.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return await session.LoadAsync<CommunityProviders.Inbox.ProviderReferral>(requested.OnwardReferralId);
        }, "the onward referral in the inbox");

        var stranger = ClientFor(infrastructure.CommunityProviders, Guid.NewGuid(), OrganisationKind.CommunityProvider);
        var path = $"/api/provider/referrals/{requested.OnwardReferralId}";
        foreach (var version in new[] { "\"1\"", "\"5\"" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Post, $"{path}/acknowledge", null, version))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Post, $"{path}/accept", null, version))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Post, $"{path}/reject", new { reason = "other" }, version))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Post, $"{path}/complete", new { summary = "Done" }, version))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(path)).StatusCode);
    }

    // ---- items 6 and 7 at the link-worker service ----

    private async Task<T> StoredAsync<T>(Guid id) where T : class =>
        await Eventually.GetAsync(async () =>
        {
            await using var session = infrastructure.LinkWorkers.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return await session.LoadAsync<T>(id);
        }, $"the {typeof(T).Name} {id}");

    private async Task<Guid> ListedAsync(string inArea, Guid? provider = null)
    {
        var listed = new CommunityServiceListed(Guid.NewGuid(), provider ?? Guid.NewGuid(), "Green Steps", "Walking group", ["physical-activity"], inArea, "direct", 10, 4, Now);
        await PublishAsync(listed);
        await StoredAsync<DirectoryListing>(listed.ServiceId);
        return listed.ServiceId;
    }

    [Fact]
    public async Task Onward_referrals_go_only_to_the_cases_area_and_a_strangers_if_match_on_a_case_is_404()
    {
        var serviceId = Guid.NewGuid();
        await PublishAsync(new OrganisationRegistered(serviceId, "North Link Workers", OrganisationKind.LinkWorkerService, area, Now));
        await StoredAsync<LinkWorkers.Network.AreaOrganisation>(serviceId);
        var service = ClientFor(infrastructure.LinkWorkers, serviceId, OrganisationKind.LinkWorkerService);
        Assert.Equal(HttpStatusCode.Created, (await service.PostAsJsonAsync("/api/link-workers", new { name = "Sam", maxActiveCases = 20 })).StatusCode);
        var referral = new ReferralRequested(
            Guid.CreateVersion7(), Pathway.Gp, area, Guid.NewGuid(), "Riverside Surgery", OrganisationKind.GpPractice, ["loneliness"], Urgency.Routine,
            null, new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), "9434765919", "L1 8JQ", "07700900123", null, "phone", "en", null), Now);
        await PublishAsync(referral);
        await infrastructure.WaitForPublishedAsync<LinkWorkerEvents.ReferralRouted>(m => m.ReferralId == referral.ReferralId);
        var caseId = referral.ReferralId;
        Assert.Equal(HttpStatusCode.OK, (await service.PostAsJsonAsync($"/api/cases/{caseId}/accept", new { })).StatusCode);

        // A service listed in another area, and one listed here by a provider registered elsewhere.
        var elsewhere = await ListedAsync("elsewhere-" + area);
        var outsider = Guid.NewGuid();
        await PublishAsync(new OrganisationRegistered(outsider, "Far Away Trust", OrganisationKind.CommunityProvider, "elsewhere-" + area, Now));
        await StoredAsync<LinkWorkers.Network.AreaOrganisation>(outsider);
        var listedHereByOutsider = await ListedAsync(area, outsider);
        foreach (var serviceElsewhere in new[] { elsewhere, listedHereByOutsider })
        {
            var refused = await service.PostAsJsonAsync($"/api/cases/{caseId}/onward-referrals", new { serviceId = serviceElsewhere });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("serviceId", out _));
        }

        var local = await ListedAsync(area);
        var stranger = ClientFor(infrastructure.LinkWorkers, Guid.NewGuid(), OrganisationKind.LinkWorkerService);
        foreach (var version in new[] { "\"1\"", "\"2\"", "\"9\"" })
        {
            // Before, an unknown service was 422 and a known one 404 or 409: now the case is checked first.
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Post, $"/api/cases/{caseId}/onward-referrals", new { serviceId = Guid.NewGuid() }, version))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Post, $"/api/cases/{caseId}/onward-referrals", new { serviceId = local }, version))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Post, $"/api/cases/{caseId}/hold", new { }, version))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(WithIfMatch(HttpMethod.Post, $"/api/cases/{caseId}/accept", new { }, version))).StatusCode);
        }

        var made = await JsonAsync(await service.PostAsJsonAsync($"/api/cases/{caseId}/onward-referrals", new { serviceId = local }));
        var onward = made.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NotFound,
            (await stranger.SendAsync(WithIfMatch(HttpMethod.Post, $"/api/cases/{caseId}/onward-referrals/{onward}/withdraw", new { }, "\"3\""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/cases/{caseId}")).StatusCode);
    }

    // ---- item 11: headers and binding errors ----

    [Fact]
    public async Task Every_service_answers_no_store_and_nosniff_and_binding_errors_name_the_partners_parameter()
    {
        var referrals = ClientFor(infrastructure.Referrals, Guid.NewGuid(), OrganisationKind.GpPractice);
        var linkWorkers = ClientFor(infrastructure.LinkWorkers, Guid.NewGuid(), OrganisationKind.LinkWorkerService);
        var providers = ClientFor(infrastructure.CommunityProviders, Guid.NewGuid(), OrganisationKind.CommunityProvider);
        var feedback = ClientFor(infrastructure.Feedback, Guid.NewGuid(), OrganisationKind.LinkWorkerService);
        var responses = new[]
        {
            await referrals.GetAsync("/api/events"),
            await referrals.GetAsync($"/api/referrals/{Guid.NewGuid()}"),
            await linkWorkers.GetAsync("/api/cases"),
            await providers.GetAsync("/api/provider/referrals"),
            await feedback.GetAsync($"/api/outcomes?referralId={Guid.NewGuid()}"),
            await infrastructure.Referrals.CreateClient().GetAsync("/api/events"),
        };
        foreach (var response in responses)
        {
            Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "");
            Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        }

        foreach (var (client, path, parameter) in new[]
        {
            (feedback, "/api/outcomes?referralId=not-a-guid", "referralId"),
            (referrals, "/api/events?limit=many", "limit"),
            (referrals, "/api/referrals?updatedSince=soon", "updatedSince"),
        })
        {
            var bad = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
            var detail = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
            Assert.Contains($"'{parameter}'", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("Guid", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("int", detail.Split(' '), StringComparer.Ordinal);
            Assert.DoesNotContain("DateTimeOffset", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("ReferralId", detail, StringComparison.Ordinal);
        }
    }
}
