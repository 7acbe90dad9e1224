using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.Organisations;
using ReferralNetwork.IntegrationTests.Infrastructure;

namespace ReferralNetwork.IntegrationTests;

/// <summary>A person who acts is recorded on what they cause, in their own service and in the services that record it after.</summary>
[Collection(RealInfrastructureCollection.Name)]
public class ActingPeopleTests(RealInfrastructure infrastructure)
{
    private readonly string area = "people-" + Guid.NewGuid().ToString("N")[..8];

    private HttpClient ClientFor<T>(WebApplicationFactory<T> service, Guid organisation, OrganisationKind kind, Guid? person)
        where T : class
    {
        var client = service.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, kind, area, person: person));
        return client;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task The_gp_and_the_link_worker_who_acted_are_on_the_referrals_timeline_and_the_routing_names_neither()
    {
        var practice = Guid.NewGuid();
        var service = Guid.NewGuid();
        var gpPerson = Guid.NewGuid();
        var linkWorkerPerson = Guid.NewGuid();
        await infrastructure.PublishAsync(new OrganisationRegistered(service, "North Link Workers", OrganisationKind.LinkWorkerService, area, DateTimeOffset.UtcNow), Guid.NewGuid());
        await Eventually.GetAsync(async () =>
        {
            await using var session = infrastructure.LinkWorkers.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return await session.LoadAsync<LinkWorkers.Network.AreaOrganisation>(service);
        }, "the link-worker service's copy of its registration");

        var gp = ClientFor(infrastructure.Referrals, practice, OrganisationKind.GpPractice, gpPerson);
        var linkWorkers = ClientFor(infrastructure.LinkWorkers, service, OrganisationKind.LinkWorkerService, linkWorkerPerson);
        await JsonAsync(await linkWorkers.PostAsJsonAsync("/api/link-workers", new { name = "Sam", maxActiveCases = 10 }));

        var id = (await JsonAsync(await gp.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody()))).GetProperty("id").GetGuid();
        await Eventually.GetAsync(async () => (await linkWorkers.GetAsync($"/api/cases/{id}")).IsSuccessStatusCode ? "case" : null, "the case");
        await JsonAsync(await linkWorkers.PostAsJsonAsync($"/api/cases/{id}/accept", new { }));

        var timeline = await Eventually.GetAsync<JsonElement?>(async () =>
        {
            var entries = await JsonAsync(await gp.GetAsync($"/api/referrals/{id}/timeline"));
            return entries.EnumerateArray().Any(e => e.GetProperty("type").GetString() == "referral.accepted") ? entries : null;
        }, "the acceptance on the timeline");

        JsonElement By(string type) => timeline!.Value.EnumerateArray().Single(e => e.GetProperty("type").GetString() == type).GetProperty("by");
        Assert.Equal(gpPerson, By("referral.requested").GetProperty("personId").GetGuid());
        Assert.Equal(practice, By("referral.requested").GetProperty("organisationId").GetGuid());
        Assert.Equal(linkWorkerPerson, By("referral.accepted").GetProperty("personId").GetGuid());
        Assert.Equal(service, By("referral.accepted").GetProperty("organisationId").GetGuid());

        // The case's own timeline at the link-worker service names the link worker who accepted it.
        var caseTimeline = await JsonAsync(await linkWorkers.GetAsync($"/api/cases/{id}/timeline"));
        JsonElement CaseBy(string type) => caseTimeline.EnumerateArray().Single(e => e.GetProperty("type").GetString() == type).GetProperty("by");
        Assert.Equal(linkWorkerPerson, CaseBy("case.accepted").GetProperty("personId").GetGuid());
        Assert.Equal(JsonValueKind.Null, CaseBy("case.opened").GetProperty("personId").ValueKind);
        Assert.Equal("link-worker-service", CaseBy("case.opened").GetProperty("role").GetString());
        Assert.DoesNotContain("Lovelace", caseTimeline.GetRawText());
        Assert.DoesNotContain("bereaved", caseTimeline.GetRawText());

        // Routing was the link-worker service's own doing, in reaction to the GP's referral: the GP is its cause, but
        // not one of that service's people, so no entry by the link-worker service names them.
        foreach (var entry in timeline!.Value.EnumerateArray().Where(e => e.GetProperty("by").GetProperty("organisationId").GetGuid() == service))
        {
            var person = entry.GetProperty("by").GetProperty("personId");
            Assert.True(person.ValueKind == JsonValueKind.Null || person.GetGuid() == linkWorkerPerson, entry.GetRawText());
        }
    }

    [Fact]
    public async Task A_systems_call_names_no_person()
    {
        var gp = ClientFor(infrastructure.Referrals, Guid.NewGuid(), OrganisationKind.GpPractice, person: null);
        var id = (await JsonAsync(await gp.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody()))).GetProperty("id").GetGuid();
        var timeline = await JsonAsync(await gp.GetAsync($"/api/referrals/{id}/timeline"));
        Assert.Equal(JsonValueKind.Null, timeline[0].GetProperty("by").GetProperty("personId").ValueKind);
    }
}
