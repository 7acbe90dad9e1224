using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.IntegrationTests.Infrastructure;

namespace ReferralNetwork.IntegrationTests;

/// <summary>Reports from the journeys the feedback service records off the integration events.</summary>
[Collection(RealInfrastructureCollection.Name)]
public class ReportTests(RealInfrastructure infrastructure)
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 6, 9, 0, 0, TimeSpan.Zero);

    private HttpClient ClientFor(Guid organisation, OrganisationKind kind, string area)
    {
        var client = infrastructure.Feedback.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, kind, area));
        return client;
    }

    [Fact]
    public async Task A_scripted_set_of_referrals_gives_exactly_the_expected_summary_and_csv()
    {
        // Digits only: a hex suffix can spell "ada", which the report is checked never to contain.
        var area = "report-" + Random.Shared.Next(100_000_000).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
        var gp = Guid.NewGuid();
        var service = Guid.NewGuid();
        var linkWorker = Guid.NewGuid();
        var acceptHours = new[] { 1, 2, 3, 4, 10 };
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var id = Guid.CreateVersion7();
            ids.Add(id);
            var requested = T0.AddDays(i);
            await infrastructure.PublishAsync(Requested(id, Pathway.Gp, area, gp, requested), Guid.NewGuid());
            await infrastructure.PublishAsync(new ReferralRouted(id, service, "Report Link Workers", requested.AddMinutes(1)), Guid.NewGuid());
            await infrastructure.PublishAsync(new ReferralAccepted(id, service, linkWorker, "Sam Jones", requested.AddHours(acceptHours[i])), Guid.NewGuid());
            await infrastructure.PublishAsync(new ContactAttempted(id, service, "reached", requested.AddHours(acceptHours[i] * 2), requested.AddHours(30)), Guid.NewGuid());
        }

        var selfReferral = Guid.CreateVersion7();
        await infrastructure.PublishAsync(Requested(selfReferral, Pathway.SelfReferral, area, Guid.NewGuid(), T0), Guid.NewGuid());
        await infrastructure.PublishAsync(new ReferralRouted(selfReferral, service, "Report Link Workers", T0), Guid.NewGuid());
        await infrastructure.PublishAsync(new ReferralRejected(selfReferral, service, "not-eligible", "Lives elsewhere", T0.AddHours(2)), Guid.NewGuid());
        await infrastructure.PublishAsync(new ReferralClosed(ids[0], service, ReferralStatus.Completed, "goals-met", "Ada walks weekly", T0.AddDays(30)), Guid.NewGuid());

        // SWEMWBS pairs on all five: four improve by 25.03 − 19.25 = 5.78, one stays put; mean 4.624.
        var linkWorkers = ClientFor(service, OrganisationKind.LinkWorkerService, area);
        for (var i = 0; i < 5; i++)
        {
            var referralId = ids[i];
            await Eventually.GetAsync(async () => (await linkWorkers.PostAsJsonAsync("/api/outcomes",
                new { referralId, instrument = "swemwbs", timepoint = "baseline", responses = Enumerable.Repeat(3, 7) })).StatusCode == HttpStatusCode.Created ? "ok" : null,
                "the journey to know the link-worker service");
            var created = await linkWorkers.PostAsJsonAsync("/api/outcomes",
                new { referralId, instrument = "swemwbs", timepoint = "follow-up", responses = Enumerable.Repeat(i < 4 ? 4 : 3, 7) });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var commissioner = ClientFor(Guid.NewGuid(), OrganisationKind.Commissioner, area);
        var url = $"/api/reports/summary?area={area}&from=2025-01-01&to=2025-01-31";
        var report = await Eventually.GetAsync<JsonElement?>(async () =>
        {
            var body = JsonDocument.Parse(await commissioner.GetStringAsync(url)).RootElement.Clone();
            var funnel = body.GetProperty("funnel");
            return Value(funnel.GetProperty("requested")) == 6 && Value(funnel.GetProperty("inProgress")) == 5
                && funnel.GetProperty("rejected").GetProperty("suppressed").GetBoolean()
                && funnel.GetProperty("completed").GetProperty("suppressed").GetBoolean() ? body : null;
        }, "every event in the report");
        var r = report!.Value;

        Assert.Equal(6m, Value(r.GetProperty("referrals").GetProperty("total")));
        Assert.Equal(5m, Value(r.GetProperty("referrals").GetProperty("byPathway").GetProperty("gp")));
        Assert.True(r.GetProperty("referrals").GetProperty("byPathway").GetProperty("self-referral").GetProperty("suppressed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("referrals").GetProperty("byPathway").GetProperty("self-referral").GetProperty("value").ValueKind);
        Assert.Equal(0m, Value(r.GetProperty("referrals").GetProperty("byPathway").GetProperty("social-care")));
        Assert.Equal(5m, Value(r.GetProperty("funnel").GetProperty("accepted")));
        Assert.Equal(0m, Value(r.GetProperty("funnel").GetProperty("cancelled")));

        var waiting = r.GetProperty("waitingTimes");
        Assert.Equal(3m, Value(waiting.GetProperty("toAcceptance").GetProperty("medianHours")));
        Assert.Equal(7.6m, Value(waiting.GetProperty("toAcceptance").GetProperty("p90Hours")));
        Assert.Equal(6m, Value(waiting.GetProperty("toFirstContactAttempt").GetProperty("medianHours")));
        Assert.Equal(15.2m, Value(waiting.GetProperty("toFirstContactAttempt").GetProperty("p90Hours")));
        Assert.Equal(0m, Value(waiting.GetProperty("toProviderAcknowledgement").GetProperty("cases")));
        Assert.True(waiting.GetProperty("toProviderAcknowledgement").GetProperty("medianHours").GetProperty("suppressed").GetBoolean());

        var swemwbs = r.GetProperty("outcomeChange").EnumerateArray().Single(o => o.GetProperty("instrument").GetString() == "swemwbs");
        Assert.Equal(5m, Value(swemwbs.GetProperty("pairs")));
        Assert.Equal(4.62m, Value(swemwbs.GetProperty("meanChange")));

        var worker = Assert.Single(r.GetProperty("linkWorkers").EnumerateArray());
        Assert.Equal("Sam Jones", worker.GetProperty("name").GetString());
        Assert.Equal(5m, Value(worker.GetProperty("acceptedInPeriod")));
        Assert.True(worker.GetProperty("activeCases").GetProperty("suppressed").GetBoolean()); // four still open

        var csvResponse = await commissioner.GetAsync(url + "&format=csv");
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType?.MediaType);
        var csv = (await csvResponse.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("section,metric,value", csv[0]);
        Assert.Contains("referrals,total,6", csv);
        Assert.Contains("referrals,pathway.gp,5", csv);
        Assert.Contains("referrals,pathway.self-referral,*", csv);
        Assert.Contains("funnel,rejected,*", csv);
        Assert.Contains("waiting-times,to-acceptance.median-hours,3", csv);
        Assert.Contains("waiting-times,to-acceptance.p90-hours,7.6", csv);
        Assert.Contains("waiting-times,to-first-contact-attempt.p90-hours,15.2", csv);
        Assert.Contains("outcome-change,swemwbs.metric.pairs,5", csv);
        Assert.Contains("outcome-change,swemwbs.metric.mean-change,4.62", csv);

        // Nothing about the person, and no free text, in either form.
        foreach (var text in new[] { r.GetRawText(), string.Join('\n', csv) })
        {
            foreach (var personal in new[] { "Ada", "Lovelace", "9434765919", "L4 0TD", "1950-12-10", "Lives elsewhere", "walks weekly" })
            {
                Assert.DoesNotContain(personal, text, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task Reports_are_refused_to_a_gp_and_to_another_areas_commissioner_and_need_a_valid_period()
    {
        var area = "report-" + Guid.NewGuid().ToString("N")[..8];
        var url = $"/api/reports/summary?area={area}&from=2025-01-01&to=2025-01-31";
        Assert.Equal(HttpStatusCode.Forbidden, (await ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice, area).GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ClientFor(Guid.NewGuid(), OrganisationKind.Commissioner, "elsewhere").GetAsync(url)).StatusCode);

        var commissioner = ClientFor(Guid.NewGuid(), OrganisationKind.Commissioner, area);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await commissioner.GetAsync($"/api/reports/summary?area={area}&from=2025-02-01&to=2025-01-01")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await commissioner.GetAsync($"/api/reports/summary?area={area}&from=2015-01-01&to=2025-01-01")).StatusCode);
        var future = await commissioner.GetAsync($"/api/reports/summary?area={area}&from=2999-01-01");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, future.StatusCode);
        Assert.Equal(["to"], JsonDocument.Parse(await future.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await commissioner.GetAsync($"/api/reports/summary?area={area}&from=2015-01-01")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await commissioner.GetAsync($"/api/reports/summary?area={area}&from=January&to=2025-01-01")).StatusCode);

        // An empty area: zeros are shown, not suppressed.
        var empty = JsonDocument.Parse(await commissioner.GetStringAsync(url)).RootElement;
        Assert.Equal(0m, Value(empty.GetProperty("referrals").GetProperty("total")));
        Assert.True(empty.GetProperty("waitingTimes").GetProperty("toAcceptance").GetProperty("medianHours").GetProperty("suppressed").GetBoolean());
    }

    [Fact]
    public async Task A_period_not_given_is_the_twelve_months_up_to_today_or_up_to_its_end()
    {
        var area = "report-" + Guid.NewGuid().ToString("N")[..8];
        var commissioner = ClientFor(Guid.NewGuid(), OrganisationKind.Commissioner, area);

        async Task<(string From, string To)> PeriodAsync(string query)
        {
            var report = JsonDocument.Parse(await commissioner.GetStringAsync($"/api/reports/summary?area={area}{query}")).RootElement;
            return (report.GetProperty("from").GetString()!, report.GetProperty("to").GetString()!);
        }

        var before = DateOnly.FromDateTime(DateTime.UtcNow);
        var (from, to) = await PeriodAsync("");
        var after = DateOnly.FromDateTime(DateTime.UtcNow);
        Assert.Contains(DateOnly.Parse(to, CultureInfo.InvariantCulture), new[] { before, after });
        Assert.Equal(DateOnly.Parse(to, CultureInfo.InvariantCulture).AddMonths(-12).AddDays(1), DateOnly.Parse(from, CultureInfo.InvariantCulture));

        Assert.Equal(("2024-07-01", "2025-06-30"), await PeriodAsync("&to=2025-06-30"));
        Assert.Equal(("2024-02-29", "2025-02-28"), await PeriodAsync("&to=2025-02-28"));
        Assert.Equal(("2025-01-01", "2025-01-31"), await PeriodAsync("&from=2025-01-01&to=2025-01-31"));
        var (sinceFrom, sinceTo) = await PeriodAsync("&from=2025-01-01");
        Assert.Equal("2025-01-01", sinceFrom);
        Assert.Contains(DateOnly.Parse(sinceTo, CultureInfo.InvariantCulture), new[] { before, after, after.AddDays(1) });
    }

    /// <summary>
    /// One member of the public must not be able to claim an Idempotency-Key and have the next person who
    /// sends it answered with the first one's comment: without a token the key is not used.
    /// </summary>
    [Fact]
    public async Task An_anonymous_idempotency_key_replays_nobody_elses_feedback()
    {
        var serviceId = Guid.NewGuid();
        await infrastructure.PublishAsync(new CommunityServiceListed(serviceId, Guid.NewGuid(), "Green Steps", "Walking group", ["physical-activity"], "idem-area", "direct", 10, 4, DateTimeOffset.UtcNow), Guid.NewGuid());
        var squatted = "shared-" + Guid.NewGuid().ToString("N");

        async Task<HttpResponseMessage> PostAsync(string comment)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/feedback") { Content = JsonContent.Create(new { serviceId, rating = 3, comment }) };
            request.Headers.Add("Idempotency-Key", squatted);
            return await infrastructure.Feedback.CreateClient().SendAsync(request);
        }

        var first = await Eventually.GetAsync(async () => await PostAsync("Mine: I live at 1 Dock Road.") is { StatusCode: HttpStatusCode.Created } r ? r : null, "the service listing");
        var second = await PostAsync("Someone else's, same key.");

        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var secondBody = await second.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Dock Road", secondBody);
        Assert.NotEqual(
            JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid(),
            JsonDocument.Parse(secondBody).RootElement.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Public_feedback_and_suggestions_are_taken_and_commissioners_see_suggestions_with_themes()
    {
        var area = "report-" + Guid.NewGuid().ToString("N")[..8];
        var serviceId = Guid.NewGuid();
        await infrastructure.PublishAsync(new CommunityServiceListed(serviceId, Guid.NewGuid(), "Green Steps", "Walking group", ["physical-activity"], area, "direct", 10, 4, DateTimeOffset.UtcNow), Guid.NewGuid());

        var anonymous = infrastructure.Feedback.CreateClient();
        var feedback = await Eventually.GetAsync(async () =>
        {
            var response = await anonymous.PostAsJsonAsync("/api/feedback", new { serviceId, rating = 5, comment = "Lovely people." });
            return response.StatusCode == HttpStatusCode.Created ? response : null;
        }, "the service listing");
        Assert.NotEqual(Guid.Empty, JsonDocument.Parse(await feedback.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await anonymous.PostAsJsonAsync("/api/feedback", new { referralId = Guid.NewGuid(), rating = 4 })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await anonymous.PostAsJsonAsync("/api/feedback", new { serviceId, rating = 6 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice, area).PostAsJsonAsync("/api/feedback", new { referralId = Guid.NewGuid(), rating = 4 })).StatusCode);

        var suggestion = await anonymous.PostAsJsonAsync("/api/involvement/suggestions", new { area, text = "Older people here are lonely; a lunch club would help." });
        Assert.Equal(HttpStatusCode.Created, suggestion.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await anonymous.PostAsJsonAsync("/api/involvement/suggestions", new { area, text = new string('x', 2001) })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/involvement/suggestions?area={area}")).StatusCode);

        var listed = JsonDocument.Parse(await ClientFor(Guid.NewGuid(), OrganisationKind.Commissioner, area).GetStringAsync("/api/involvement/suggestions")).RootElement;
        var item = Assert.Single(listed.GetProperty("suggestions").EnumerateArray());
        Assert.Contains("loneliness", item.GetProperty("themes").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(1, listed.GetProperty("themes").GetProperty("loneliness").GetInt32());
        Assert.Equal(HttpStatusCode.Forbidden, (await ClientFor(Guid.NewGuid(), OrganisationKind.Commissioner, "elsewhere").GetAsync($"/api/involvement/suggestions?area={area}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice, area).GetAsync("/api/involvement/suggestions")).StatusCode);
    }

    private static decimal? Value(JsonElement figure) =>
        figure.GetProperty("value").ValueKind == JsonValueKind.Null ? null : figure.GetProperty("value").GetDecimal();

    private static ReferralRequested Requested(Guid id, Pathway pathway, string area, Guid referrer, DateTimeOffset at) => new(
        id, pathway, area, referrer, "Riverside Surgery", OrganisationKind.GpPractice, ["loneliness"], Urgency.Routine, "Ada is lonely",
        new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), "9434765919", "L4 0TD", null, null, null, null, null), at);
}
