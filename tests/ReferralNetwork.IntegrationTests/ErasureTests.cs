using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.Erasure;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.LinkWorkers.Cases;
using Published = ReferralNetwork.Contracts.LinkWorkers;
using ReferralRequested = ReferralNetwork.Contracts.Referrals.ReferralRequested;

namespace ReferralNetwork.IntegrationTests;

/// <summary>Erasure against a message that was still on its way: what it brings is erased when it lands.</summary>
[Collection(RealInfrastructureCollection.Name)]
public class ErasureTests(RealInfrastructure infrastructure)
{
    [Fact]
    public async Task A_referral_arriving_after_its_erasure_opens_a_case_without_the_person_that_takes_no_commands()
    {
        var area = "area-" + Guid.NewGuid().ToString("N")[..6];
        var service = await infrastructure.LinkWorkerServiceKnownAsync(area);
        var store = infrastructure.LinkWorkers.Services.GetRequiredService<IDocumentStore>();

        var referralId = Guid.CreateVersion7();
        var erasureId = Guid.NewGuid();
        await infrastructure.PublishAsync(new PersonErasureRequested(erasureId, [referralId], DateTimeOffset.UtcNow), Guid.NewGuid());
        await infrastructure.WaitForPublishedAsync<PersonErasureCompleted>(m => m.ErasureId == erasureId && m.Service == "linkworkers");

        var person = new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), "9434765919", "L1 8JQ", "07700900123", null, "phone", "en", null);
        await infrastructure.PublishAsync(new ReferralRequested(
            referralId, Pathway.Gp, area, Guid.NewGuid(), "Riverside Surgery", OrganisationKind.GpPractice, ["loneliness"], Urgency.Routine,
            "Recently bereaved.", person, DateTimeOffset.UtcNow), Guid.NewGuid());
        await infrastructure.WaitForPublishedAsync<Published.ReferralRouted>(m => m.ReferralId == referralId);

        var erased = await Eventually.GetAsync(async () =>
        {
            await using var s = store.QuerySession();
            return await s.LoadAsync<Case>(referralId) is { Person.GivenName: ErasedText.Marker } c ? c : null;
        }, "the late referral erased");
        Assert.Null(erased.Person.NhsNumber);
        Assert.Null(erased.Person.Phone);
        Assert.Equal(ErasedText.Marker, erased.Reason);
        await using (var s = store.QuerySession())
        {
            var opened = Assert.IsType<CaseOpened>((await s.Events.FetchStreamAsync(referralId))[0].Data);
            Assert.Equal(ErasedText.Marker, opened.Person.FamilyName);
            Assert.Null(opened.Person.NhsNumber);
        }

        using var client = infrastructure.LinkWorkers.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(service, OrganisationKind.LinkWorkerService));
        var accept = await client.PostAsJsonAsync($"/api/cases/{referralId}/accept", new { });
        Assert.Equal(HttpStatusCode.Conflict, accept.StatusCode);
    }
}
