using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.IntegrationTests.Infrastructure;
using Published = ReferralNetwork.Contracts.Feedback;

namespace ReferralNetwork.IntegrationTests;

[Collection(RealInfrastructureCollection.Name)]
public class FeedbackServiceTests(RealInfrastructure infrastructure)
{
    private HttpClient ClientFor(Guid organisation, OrganisationKind kind)
    {
        var client = infrastructure.Feedback.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, kind));
        return client;
    }

    [Fact]
    public async Task The_handling_link_worker_service_records_scored_measures_and_sees_the_change()
    {
        var referralId = Guid.CreateVersion7();
        var gp = Guid.NewGuid();
        var service = Guid.NewGuid();
        await infrastructure.PublishAsync(new ReferralRequested(
            referralId, Pathway.Gp, "liverpool-north", gp, "Riverside Surgery", OrganisationKind.GpPractice, ["loneliness"], Urgency.Routine, null,
            new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), null, null, null, null, null, null, null), DateTimeOffset.UtcNow), Guid.NewGuid());
        var routed = new ReferralRouted(referralId, service, "North Link Workers", DateTimeOffset.UtcNow);
        var routedId = Guid.NewGuid();
        await infrastructure.PublishAsync(routed, routedId);
        await infrastructure.PublishAsync(routed, routedId);

        var client = ClientFor(service, OrganisationKind.LinkWorkerService);
        var baseline = await Eventually.GetAsync(async () =>
        {
            var response = await client.PostAsJsonAsync("/api/outcomes",
                new { referralId, instrument = "swemwbs", timepoint = "baseline", responses = new[] { 3, 3, 3, 3, 3, 3, 3 } });
            return response.StatusCode == HttpStatusCode.Created ? response : null;
        }, "the referral's parties to arrive");
        using (var body = JsonDocument.Parse(await baseline.Content.ReadAsStringAsync()))
        {
            Assert.Equal(21, body.RootElement.GetProperty("score").GetProperty("raw").GetInt32());
            Assert.Equal(19.25m, body.RootElement.GetProperty("score").GetProperty("metric").GetDecimal());
        }

        var tooFew = await client.PostAsJsonAsync("/api/outcomes", new { referralId, instrument = "swemwbs", timepoint = "follow-up", responses = new[] { 3, 3 } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooFew.StatusCode);
        Assert.Equal("exactly 7 items are required.", await FirstErrorAsync(tooFew, "responses"));
        var followUp = await client.PostAsJsonAsync("/api/outcomes",
            new { referralId, instrument = "swemwbs", timepoint = "follow-up", responses = new[] { 4, 4, 4, 4, 4, 4, 4 } });
        Assert.Equal(HttpStatusCode.Created, followUp.StatusCode);

        var (_, recorded) = await infrastructure.WaitForPublishedAsync<Published.OutcomeRecorded>(m => m.ReferralId == referralId && m.Timepoint == "follow-up");
        Assert.Equal(25.03m, recorded.Scores["metric"]);

        var asReferrer = await ClientFor(gp, OrganisationKind.GpPractice).GetStringAsync($"/api/outcomes?referralId={referralId}");
        using var outcomes = JsonDocument.Parse(asReferrer);
        var unnamed = await ClientFor(gp, OrganisationKind.GpPractice).GetAsync("/api/outcomes");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unnamed.StatusCode);
        Assert.Equal("Required.", await FirstErrorAsync(unnamed, "referralId"));
        Assert.Equal(2, outcomes.RootElement.GetProperty("measures").GetArrayLength());
        Assert.Equal(5.78m, outcomes.RootElement.GetProperty("changes")[0].GetProperty("change").GetProperty("metric").GetDecimal());

        // The referrer may read but not record; a stranger sees nothing.
        var byReferrer = await ClientFor(gp, OrganisationKind.GpPractice).PostAsJsonAsync("/api/outcomes",
            new { referralId, instrument = "wemwbs", timepoint = "baseline", responses = Enumerable.Repeat(3, 14) });
        Assert.Equal(HttpStatusCode.Forbidden, byReferrer.StatusCode);
        var otherService = await ClientFor(Guid.NewGuid(), OrganisationKind.LinkWorkerService).PostAsJsonAsync("/api/outcomes",
            new { referralId, instrument = "wemwbs", timepoint = "baseline", responses = Enumerable.Repeat(3, 14) });
        Assert.Equal(HttpStatusCode.NotFound, otherService.StatusCode);
    }

    private static async Task<string?> FirstErrorAsync(HttpResponseMessage response, string field)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.GetProperty("errors").GetProperty(field)[0].GetString();
    }
}
