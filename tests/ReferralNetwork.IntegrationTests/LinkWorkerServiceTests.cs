using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.Organisations;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.Network;
using ReferralNetwork.Messaging;
using Published = ReferralNetwork.Contracts.LinkWorkers;
using ReferralRequested = ReferralNetwork.Contracts.Referrals.ReferralRequested;

namespace ReferralNetwork.IntegrationTests;

[Collection(RealInfrastructureCollection.Name)]
public class LinkWorkerServiceTests(RealInfrastructure infrastructure)
{
    private static ReferralRequested Referral(string area) => new(
        Guid.CreateVersion7(), Pathway.Gp, area, Guid.NewGuid(), "Riverside Surgery", OrganisationKind.GpPractice, ["loneliness"], Urgency.Routine,
        null, new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), "9434765919", "L1 8JQ", "07700900123", null, "phone", "en", null),
        DateTimeOffset.UtcNow);

    private HttpClient ClientFor(Guid organisation)
    {
        var client = infrastructure.LinkWorkers.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, OrganisationKind.LinkWorkerService));
        return client;
    }

    [Fact]
    public async Task A_referral_delivered_twice_opens_one_case_at_the_areas_link_worker_service_and_is_announced()
    {
        var area = "area-" + Guid.NewGuid().ToString("N")[..6];
        var service = await infrastructure.LinkWorkerServiceKnownAsync(area);
        var store = infrastructure.LinkWorkers.Services.GetRequiredService<IDocumentStore>();

        var referral = Referral(area);
        var messageId = Guid.NewGuid();
        var skippedBefore = await infrastructure.Broker.MessagesReadyInAsync("linkworkers-routing_skipped");
        await infrastructure.PublishAsync(referral, messageId);
        await infrastructure.PublishAsync(referral, messageId);

        var (routedId, routed) = await infrastructure.WaitForPublishedAsync<Published.ReferralRouted>(m => m.ReferralId == referral.ReferralId);
        Assert.Equal(service, routed.LinkWorkerServiceId);
        await Task.Delay(1000);

        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(referral.ReferralId);
        var opened = Assert.IsType<CaseOpened>(Assert.Single(events).Data);
        Assert.Equal(service, opened.LinkWorkerServiceId);
        Assert.Equal(events[0].Id, routedId);
        Assert.Single(infrastructure.PublishedOf<Published.ReferralRouted>(), p => p.Message.ReferralId == referral.ReferralId);
        // Marked with the case's stream, so consumers keep the case's messages in order and take other cases' alongside.
        Assert.Equal(referral.ReferralId, infrastructure.Published.Single(p => p.Message is Published.ReferralRouted r && r.ReferralId == referral.ReferralId).Stream);
        // The copy was handled by the inbox, not parked as consumed by nobody for an operator to look at.
        await Eventually.GetAsync(async () => await infrastructure.Broker.MessagesReadyInAsync("linkworkers-routing") == 0 ? "drained" : null, "linkworkers-routing drained");
        Assert.Equal(skippedBefore, await infrastructure.Broker.MessagesReadyInAsync("linkworkers-routing_skipped"));
    }

    /// <summary>
    /// The routing queue takes several messages at once, so a referral can find its area without a service while
    /// the area's first service registers and finds no referral waiting: the second of the two to commit must fail
    /// (and be retried, seeing the other) rather than leave the referral waiting for good.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_referral_and_its_areas_first_service_handled_at_once_do_not_miss_each_other(bool registrationCommitsFirst)
    {
        var area = "area-" + Guid.NewGuid().ToString("N")[..6];
        var store = infrastructure.LinkWorkers.Services.GetRequiredService<IDocumentStore>();
        var routing = infrastructure.LinkWorkers.Services.GetRequiredService<CaseRouting>();
        var referral = Referral(area);
        var service = new AreaOrganisation(Guid.NewGuid(), "Late Link Workers", OrganisationKind.LinkWorkerService, area, DateTimeOffset.UtcNow);

        await using var referralSession = store.LightweightSession();
        await using var registrationSession = store.LightweightSession();
        await routing.RouteAsync(referralSession, referral, default);
        registrationSession.Store(service);
        await routing.RouteWaitingAsync(registrationSession, service, default);

        var (first, second) = registrationCommitsFirst ? (registrationSession, referralSession) : (referralSession, registrationSession);
        await first.SaveChangesAsync();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => second.SaveChangesAsync());
        Assert.True(TransientFailures.IsTransient(failure), $"retried, not parked: {failure.GetType().Name}");
    }

    [Fact]
    public async Task A_referral_in_an_area_without_a_service_waits_and_is_routed_when_one_registers()
    {
        var area = "area-" + Guid.NewGuid().ToString("N")[..6];
        var referral = Referral(area);
        await infrastructure.PublishAsync(referral, Guid.NewGuid());
        var store = infrastructure.LinkWorkers.Services.GetRequiredService<IDocumentStore>();
        await Eventually.GetAsync(async () =>
        {
            await using var s = store.QuerySession();
            return await s.LoadAsync<WaitingReferral>(referral.ReferralId);
        }, "the waiting referral");

        var service = Guid.NewGuid();
        await infrastructure.PublishAsync(new OrganisationRegistered(service, "Late Link Workers", OrganisationKind.LinkWorkerService, area, DateTimeOffset.UtcNow), Guid.NewGuid());
        var (_, routed) = await infrastructure.WaitForPublishedAsync<Published.ReferralRouted>(m => m.ReferralId == referral.ReferralId);
        Assert.Equal(service, routed.LinkWorkerServiceId);
    }

    [Fact]
    public async Task Accepting_assigns_the_least_loaded_link_worker_and_a_second_accept_conflicts()
    {
        var area = "area-" + Guid.NewGuid().ToString("N")[..6];
        var service = Guid.NewGuid();
        await infrastructure.PublishAsync(new OrganisationRegistered(service, "North Link Workers", OrganisationKind.LinkWorkerService, area, DateTimeOffset.UtcNow), Guid.NewGuid());
        var client = ClientFor(service);
        var busy = await (await client.PostAsJsonAsync("/api/link-workers", new { name = "Busy Bea", maxActiveCases = 1 })).Content.ReadFromJsonAsync<Worker>();
        var free = await (await client.PostAsJsonAsync("/api/link-workers", new { name = "Sam", maxActiveCases = 20 })).Content.ReadFromJsonAsync<Worker>();

        var first = Referral(area);
        var second = Referral(area);
        var store = infrastructure.LinkWorkers.Services.GetRequiredService<IDocumentStore>();
        await Eventually.GetAsync(async () =>
        {
            await using var s = store.QuerySession();
            return await s.LoadAsync<WaitingReferral>(Guid.Empty) is null && await s.LoadAsync<LinkWorkers.Network.AreaOrganisation>(service) is not null ? "ready" : null;
        }, "the organisation copy");
        await infrastructure.PublishAsync(first, Guid.NewGuid());
        await infrastructure.PublishAsync(second, Guid.NewGuid());
        await infrastructure.WaitForPublishedAsync<Published.ReferralRouted>(m => m.ReferralId == second.ReferralId);
        await infrastructure.WaitForPublishedAsync<Published.ReferralRouted>(m => m.ReferralId == first.ReferralId);

        var chosen = await client.PostAsJsonAsync($"/api/cases/{first.ReferralId}/accept", new { linkWorkerId = busy!.Id });
        Assert.Equal(HttpStatusCode.OK, chosen.StatusCode);
        var leastLoaded = await client.PostAsJsonAsync($"/api/cases/{second.ReferralId}/accept", new { });
        Assert.Equal(HttpStatusCode.OK, leastLoaded.StatusCode);
        Assert.Equal(free!.Id, (await leastLoaded.Content.ReadFromJsonAsync<AcceptedCase>())!.LinkWorkerId);

        var again = await client.PostAsJsonAsync($"/api/cases/{first.ReferralId}/accept", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var (_, accepted) = await infrastructure.WaitForPublishedAsync<Published.ReferralAccepted>(m => m.ReferralId == first.ReferralId);
        Assert.Equal("Busy Bea", accepted.LinkWorkerName);

        var workers = await client.GetFromJsonAsync<List<Worker>>("/api/link-workers");
        Assert.Equal(1, workers!.Single(w => w.Id == busy.Id).ActiveCases);

        var otherService = ClientFor(Guid.NewGuid());
        Assert.Equal(HttpStatusCode.NotFound, (await otherService.PostAsJsonAsync($"/api/cases/{first.ReferralId}/contacts", new { outcome = "reached" })).StatusCode);
    }

    [Fact]
    public async Task Concurrent_accepts_with_automatic_assignment_never_fill_a_link_worker_beyond_their_maximum()
    {
        var area = "area-" + Guid.NewGuid().ToString("N")[..6];
        var service = await infrastructure.LinkWorkerServiceKnownAsync(area);
        var client = ClientFor(service);
        var ann = await (await client.PostAsJsonAsync("/api/link-workers", new { name = "Ann", maxActiveCases = 2 })).Content.ReadFromJsonAsync<Worker>();
        var bob = await (await client.PostAsJsonAsync("/api/link-workers", new { name = "Bob", maxActiveCases = 2 })).Content.ReadFromJsonAsync<Worker>();

        var referrals = Enumerable.Range(0, 8).Select(_ => Referral(area)).ToList();
        foreach (var referral in referrals)
        {
            await infrastructure.PublishAsync(referral, Guid.NewGuid());
        }

        foreach (var referral in referrals)
        {
            await infrastructure.WaitForPublishedAsync<Published.ReferralRouted>(m => m.ReferralId == referral.ReferralId);
        }

        // Eight accepts at once, none naming a link worker: four places between the two of them.
        var answers = await Task.WhenAll(referrals.Select(async r =>
        {
            var response = await client.PostAsJsonAsync($"/api/cases/{r.ReferralId}/accept", new { });
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        var accepted = answers.Where(a => a.StatusCode == HttpStatusCode.OK)
            .Select(a => JsonSerializer.Deserialize<AcceptedCase>(a.Body, JsonSerializerOptions.Web)!)
            .ToList();
        Assert.Equal(4, accepted.Count);
        Assert.Equal(2, accepted.Count(c => c.LinkWorkerId == ann!.Id));
        Assert.Equal(2, accepted.Count(c => c.LinkWorkerId == bob!.Id));
        var refused = answers.Where(a => a.StatusCode != HttpStatusCode.OK).ToList();
        Assert.Equal(4, refused.Count);
        Assert.All(refused, a =>
        {
            Assert.Equal(HttpStatusCode.Conflict, a.StatusCode);
            Assert.Contains("No link worker has room", a.Body);
        });

        var workers = await client.GetFromJsonAsync<List<Worker>>("/api/link-workers");
        Assert.All(workers!, w => Assert.Equal(2, w.ActiveCases));
        Assert.Equal(4, (await client.GetFromJsonAsync<List<JsonElement>>("/api/cases/queue"))!.Count);
    }

    [Fact]
    public async Task A_stale_if_match_is_refused_and_changes_nothing()
    {
        var (client, store, referral) = await RoutedCaseAsync();

        var accept = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{referral.ReferralId}/accept") { Content = JsonContent.Create(new { }) };
        accept.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var accepted = await client.SendAsync(accept);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("\"2\"", accepted.Headers.ETag?.Tag);

        var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{referral.ReferralId}/contacts") { Content = JsonContent.Create(new { outcome = "reached" }) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var conflict = await client.SendAsync(stale);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("expected version 1 but it is at version 2", await conflict.Content.ReadAsStringAsync());

        // Another service's case is 404 whatever version it names, so a stale If-Match cannot reveal that it exists.
        var othersStale = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{referral.ReferralId}/contacts") { Content = JsonContent.Create(new { outcome = "reached" }) };
        othersStale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        Assert.Equal(HttpStatusCode.NotFound, (await ClientFor(Guid.NewGuid()).SendAsync(othersStale)).StatusCode);

        var malformed = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{referral.ReferralId}/contacts") { Content = JsonContent.Create(new { outcome = "reached" }) };
        malformed.Headers.TryAddWithoutValidation("If-Match", "\"two\"");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(malformed)).StatusCode);

        await using var session = store.QuerySession();
        Assert.Equal(2, (await session.Events.FetchStreamAsync(referral.ReferralId)).Count);
    }

    [Fact]
    public async Task A_case_command_retried_with_its_idempotency_key_is_answered_as_before_and_recorded_once()
    {
        var (client, store, referral) = await RoutedCaseAsync();

        async Task<HttpResponseMessage> SendAsync(string command, object body, string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{referral.ReferralId}/{command}") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            return await client.SendAsync(request);
        }

        var accepted = await SendAsync("accept", new { }, "accept-1");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        // A retry of the accept after a lost answer: the same answer, not a 409 for a case already accepted.
        var acceptedAgain = await SendAsync("accept", new { }, "accept-1");
        Assert.Equal(HttpStatusCode.OK, acceptedAgain.StatusCode);
        Assert.Equal(await accepted.Content.ReadAsStringAsync(), await acceptedAgain.Content.ReadAsStringAsync());

        var contact = new { outcome = "reached", at = "2026-11-30T10:00:00Z" };
        var first = await SendAsync("contacts", contact, "contact-1");
        var retried = await SendAsync("contacts", contact, "contact-1");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        // The stored answer was the case as it would be after the contact; the live one is Marten's projection of it.
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retried.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync("contacts", new { outcome = "no-answer" }, "contact-1")).StatusCode);
        // A new key is a new contact.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("contacts", contact, "contact-2")).StatusCode);

        await using var session = store.QuerySession();
        var stored = await session.LoadAsync<LinkWorkers.Cases.Case>(referral.ReferralId);
        Assert.Equal(2, stored!.Contacts.Count);
        Assert.Equal(4, (await session.Events.FetchStreamAsync(referral.ReferralId)).Count);
    }

    /// <summary>A link-worker service of a new area with one link worker, and a referral routed to it as a case.</summary>
    private async Task<(HttpClient Client, IDocumentStore Store, ReferralRequested Referral)> RoutedCaseAsync()
    {
        var area = "area-" + Guid.NewGuid().ToString("N")[..6];
        var service = Guid.NewGuid();
        await infrastructure.PublishAsync(new OrganisationRegistered(service, "North Link Workers", OrganisationKind.LinkWorkerService, area, DateTimeOffset.UtcNow), Guid.NewGuid());
        var client = ClientFor(service);
        await client.PostAsJsonAsync("/api/link-workers", new { name = "Sam", maxActiveCases = 20 });
        var store = infrastructure.LinkWorkers.Services.GetRequiredService<IDocumentStore>();
        await Eventually.GetAsync(async () =>
        {
            await using var s = store.QuerySession();
            return await s.LoadAsync<LinkWorkers.Network.AreaOrganisation>(service);
        }, "the organisation copy");
        var referral = Referral(area);
        await infrastructure.PublishAsync(referral, Guid.NewGuid());
        await infrastructure.WaitForPublishedAsync<Published.ReferralRouted>(m => m.ReferralId == referral.ReferralId);
        return (client, store, referral);
    }

    private sealed record AcceptedCase(Guid Id, Guid? LinkWorkerId, string Status);

    private sealed record Worker(Guid Id, string Name, int MaxActiveCases, int ActiveCases);
}
