using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Contracts.Organisations;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using Published = ReferralNetwork.Contracts.LinkWorkers;
using ReferralCancelled = ReferralNetwork.Contracts.Referrals.ReferralCancelled;
using ReferralRequested = ReferralNetwork.Contracts.Referrals.ReferralRequested;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// Reject, hold, resume, close, withdraw and cancellation on the link-worker service, against real PostgreSQL and RabbitMQ.
/// The shared observer does not listen for the lifecycle events, so each test binds a temporary queue of its own for them.
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public sealed class LinkWorkerLifecycleTests(RealInfrastructure infrastructure) : IAsyncLifetime
{
    private readonly ConcurrentQueue<object> heard = new();
    private IBusControl? listener;

    private IDocumentStore Store => infrastructure.LinkWorkers.Services.GetRequiredService<IDocumentStore>();

    public async Task InitializeAsync()
    {
        listener = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri(infrastructure.Broker.ConnectionString));
            cfg.ReceiveEndpoint(new TemporaryEndpointDefinition(), e =>
            {
                Hear<Published.ReferralRejected>(e);
                Hear<Published.ReferralPutOnHold>(e);
                Hear<Published.ReferralResumed>(e);
                Hear<Published.ReferralClosed>(e);
                Hear<Published.OnwardReferralWithdrawn>(e);
            });
        });
        await listener.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (listener is not null)
        {
            await listener.StopAsync();
        }
    }

    [Fact]
    public async Task Reject_hold_resume_and_close_through_the_api_are_stored_and_announced()
    {
        var (client, area) = await LinkWorkerServiceAsync();
        var toReject = await RoutedReferralAsync(area);
        var toClose = await RoutedReferralAsync(area);

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync($"/api/cases/{toReject}/reject", new { reason = "too-busy" })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsJsonAsync($"/api/cases/{toReject}/reject", new { note = "no reason" })).StatusCode);
        var rejected = await client.PostAsJsonAsync($"/api/cases/{toReject}/reject", new { reason = "out-of-area", note = "Lives in Wirral" });
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        Assert.Equal("\"2\"", rejected.Headers.ETag?.Tag);
        Assert.Equal("rejected", (await rejected.Content.ReadFromJsonAsync<CaseView>())!.Status);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/cases/{toClose}/accept", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/cases/{toClose}/contacts", new { outcome = "reached" })).StatusCode);
        var held = await client.PostAsJsonAsync($"/api/cases/{toClose}/hold", new { note = "In hospital" });
        Assert.Equal("on-hold", (await held.Content.ReadFromJsonAsync<CaseView>())!.Status);
        var resume = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{toClose}/resume");
        resume.Headers.IfMatch.Add(held.Headers.ETag!);
        var resumed = await client.SendAsync(resume);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal("in-progress", (await resumed.Content.ReadFromJsonAsync<CaseView>())!.Status);

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync($"/api/cases/{toClose}/close", new { outcome = "vanished", summary = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsJsonAsync($"/api/cases/{toClose}/close", new { outcome = "disengaged" })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity,
            (await client.PostAsJsonAsync($"/api/cases/{toClose}/close", new { outcome = "disengaged", summary = new string('x', 4001) })).StatusCode);
        var closed = await client.PostAsJsonAsync($"/api/cases/{toClose}/close", new { outcome = "disengaged", summary = "Stopped answering after two sessions." });
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        var closedCase = (await closed.Content.ReadFromJsonAsync<CaseView>())!;
        Assert.Equal(("failed", "disengaged"), (closedCase.Status, closedCase.Outcome));
        Assert.Equal("\"6\"", closed.Headers.ETag?.Tag);

        await using var session = Store.QuerySession();
        Assert.Equal([typeof(CaseOpened), typeof(CaseRejected)], (await session.Events.FetchStreamAsync(toReject)).Select(e => e.Data.GetType()));
        Assert.Equal(
            [typeof(CaseOpened), typeof(CaseAccepted), typeof(ContactRecorded), typeof(CasePutOnHold), typeof(CaseResumed), typeof(CaseClosed)],
            (await session.Events.FetchStreamAsync(toClose)).Select(e => e.Data.GetType()));
        Assert.Equal(ReferralStatus.Failed, (await session.LoadAsync<Case>(toClose))!.Status);

        var rejection = await HeardAsync<Published.ReferralRejected>(m => m.ReferralId == toReject);
        Assert.Equal(("out-of-area", "Lives in Wirral"), (rejection.Reason, rejection.Note));
        await HeardAsync<Published.ReferralPutOnHold>(m => m.ReferralId == toClose);
        await HeardAsync<Published.ReferralResumed>(m => m.ReferralId == toClose);
        var closure = await HeardAsync<Published.ReferralClosed>(m => m.ReferralId == toClose);
        Assert.Equal((ReferralStatus.Failed, "disengaged"), (closure.Status, closure.Outcome));

        var workers = await client.GetFromJsonAsync<List<WorkerView>>("/api/link-workers");
        Assert.Equal(0, Assert.Single(workers!).ActiveCases);
    }

    [Fact]
    public async Task Withdrawing_an_open_onward_referral_tells_the_provider_and_only_once()
    {
        var (client, area) = await LinkWorkerServiceAsync();
        var caseId = await RoutedReferralAsync(area);
        var walkingGroup = await ListedServiceAsync(area);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/cases/{caseId}/accept", new { })).StatusCode);
        var onward = await ReferOnAsync(client, caseId, walkingGroup);

        Assert.Equal(HttpStatusCode.NotFound,
            (await client.PostAsJsonAsync($"/api/cases/{caseId}/onward-referrals/{Guid.NewGuid()}/withdraw", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await ClientFor(Guid.NewGuid()).PostAsJsonAsync($"/api/cases/{caseId}/onward-referrals/{onward}/withdraw", new { })).StatusCode);

        var withdrawn = await client.PostAsJsonAsync($"/api/cases/{caseId}/onward-referrals/{onward}/withdraw", new { note = "Found a closer group" });
        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        var view = (await withdrawn.Content.ReadFromJsonAsync<CaseView>())!;
        Assert.Equal("cancelled", Assert.Single(view.OnwardReferrals).Status);

        var again = await client.PostAsJsonAsync($"/api/cases/{caseId}/onward-referrals/{onward}/withdraw", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);

        var told = await HeardAsync<Published.OnwardReferralWithdrawn>(m => m.OnwardReferralId == onward);
        Assert.Equal((caseId, walkingGroup.ProviderId, "withdrawn"), (told.ReferralId, told.ProviderId, told.Reason));

        await using var session = Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(caseId);
        var stored = Assert.Single(events.Select(e => e.Data).OfType<CaseOnwardReferralWithdrawn>());
        Assert.Equal(WithdrawalReasons.Withdrawn, stored.Reason);
        await Task.Delay(500);
        Assert.Single(heard.OfType<Published.OnwardReferralWithdrawn>(), m => m.OnwardReferralId == onward);
    }

    [Fact]
    public async Task Concurrent_onward_referrals_with_one_idempotency_key_all_answer_as_the_first_and_make_one()
    {
        var (client, area) = await LinkWorkerServiceAsync();
        var caseId = await RoutedReferralAsync(area);
        var walkingGroup = await ListedServiceAsync(area);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/cases/{caseId}/accept", new { })).StatusCode);

        // A partner retrying before its first attempt answered: the losers of the race on the case's stream
        // (a version conflict, or "already referred to this service" once the winner committed) replay the winner.
        var key = "onward-" + Guid.NewGuid().ToString("N");
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{caseId}/onward-referrals") { Content = JsonContent.Create(new { serviceId = walkingGroup.Id }) };
            request.Headers.Add("Idempotency-Key", key);
            return client.SendAsync(request);
        }));

        var answers = await Task.WhenAll(responses.Select(async r => ((int)r.StatusCode, r.Headers.Location?.ToString(), await r.Content.ReadAsStringAsync())));
        Assert.All(answers, a => Assert.True(a.Item1 == StatusCodes.Status201Created, $"{a.Item1} {a.Item3}"));
        Assert.Single(answers.Select(a => a.Item3).Distinct());
        Assert.Single(answers.Select(a => a.Item2).Distinct());
        var made = JsonDocument.Parse(answers[0].Item3).RootElement.GetProperty("id").GetGuid();

        var stored = await StoredAsync<Case>(caseId);
        Assert.Equal(made, Assert.Single(stored.OnwardReferrals).Id);
    }

    [Fact]
    public async Task A_cancellation_delivered_twice_cancels_the_case_once_and_withdraws_its_open_onward_referrals()
    {
        var (client, area) = await LinkWorkerServiceAsync();
        var caseId = await RoutedReferralAsync(area);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/cases/{caseId}/accept", new { })).StatusCode);
        var acknowledged = await ReferOnAsync(client, caseId, await ListedServiceAsync(area));
        var completed = await ReferOnAsync(client, caseId, await ListedServiceAsync(area));
        var escalated = await ReferOnAsync(client, caseId, await ListedServiceAsync(area));

        // The providers' reports are mirrored onto the case, so it knows which onward referrals are still open.
        var now = DateTimeOffset.UtcNow;
        await infrastructure.PublishAsync(new OnwardReferralAcknowledged(acknowledged, caseId, Guid.NewGuid(), now), Guid.NewGuid());
        await infrastructure.PublishAsync(Progress(completed, caseId, OnwardReferralStep.Completed, OnwardReferralStatus.Completed), Guid.NewGuid());
        await infrastructure.PublishAsync(Progress(escalated, caseId, OnwardReferralStep.Escalated, OnwardReferralStatus.Requested), Guid.NewGuid());
        await Eventually.GetAsync(async () =>
        {
            var c = await client.GetFromJsonAsync<CaseView>($"/api/cases/{caseId}");
            var byId = c!.OnwardReferrals.ToDictionary(o => o.Id);
            return byId[acknowledged].Status == "received" && byId[completed].Status == "completed" && byId[escalated].Escalated ? c : null;
        }, "the providers' reports on the case");

        var cancellation = new ReferralCancelled(caseId, Guid.NewGuid(), "revoked", "Moved away", DateTimeOffset.UtcNow);
        var messageId = Guid.NewGuid();
        await infrastructure.PublishAsync(cancellation, messageId);
        await infrastructure.PublishAsync(cancellation, messageId);
        // Even a republish under another id (the inbox cannot recognise it) changes nothing: the case is finished.
        await infrastructure.PublishAsync(cancellation, Guid.NewGuid());

        var cancelled = await Eventually.GetAsync(async () =>
        {
            var c = await client.GetFromJsonAsync<CaseView>($"/api/cases/{caseId}");
            return c!.Status == "cancelled" ? c : null;
        }, "the cancelled case");
        Assert.Equal(
            [(acknowledged, "cancelled"), (completed, "completed"), (escalated, "cancelled")],
            cancelled.OnwardReferrals.Select(o => (o.Id, o.Status)));

        var toldFirst = await HeardAsync<Published.OnwardReferralWithdrawn>(m => m.OnwardReferralId == acknowledged);
        var toldSecond = await HeardAsync<Published.OnwardReferralWithdrawn>(m => m.OnwardReferralId == escalated);
        Assert.All([toldFirst, toldSecond], m => Assert.Equal("referral-cancelled", m.Reason));

        await Task.Delay(1500);
        await using var session = Store.QuerySession();
        var events = (await session.Events.FetchStreamAsync(caseId)).Select(e => e.Data).ToList();
        Assert.Single(events.OfType<CaseCancelled>());
        Assert.Equal([acknowledged, escalated], events.OfType<CaseOnwardReferralWithdrawn>().Select(w => w.OnwardReferralId));
        Assert.DoesNotContain(heard.OfType<Published.OnwardReferralWithdrawn>(), m => m.OnwardReferralId == completed);
        Assert.Equal(2, heard.OfType<Published.OnwardReferralWithdrawn>().Count(m => m.ReferralId == caseId));

        // The body of hold is optional: none at all is fine, and the cancelled case refuses it.
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/cases/{caseId}/hold", null)).StatusCode);
        var workers = await client.GetFromJsonAsync<List<WorkerView>>("/api/link-workers");
        Assert.Equal(0, Assert.Single(workers!).ActiveCases);
    }

    [Fact]
    public async Task A_cancelled_waiting_referral_is_forgotten_and_a_cancellation_that_overtook_its_request_opens_nothing()
    {
        var waitingArea = "area-" + Guid.NewGuid().ToString("N")[..6];
        var waiting = Referral(waitingArea);
        await infrastructure.PublishAsync(waiting, Guid.NewGuid());
        await StoredAsync<WaitingReferral>(waiting.ReferralId);
        await infrastructure.PublishAsync(new ReferralCancelled(waiting.ReferralId, waiting.ReferrerId, "entered-in-error", null, DateTimeOffset.UtcNow), Guid.NewGuid());
        await StoredAsync<CancelledReferral>(waiting.ReferralId);

        var (_, area) = await LinkWorkerServiceAsync();
        var overtaken = Referral(area);
        await infrastructure.PublishAsync(new ReferralCancelled(overtaken.ReferralId, overtaken.ReferrerId, "revoked", null, DateTimeOffset.UtcNow), Guid.NewGuid());
        await StoredAsync<CancelledReferral>(overtaken.ReferralId);
        await infrastructure.PublishAsync(overtaken, Guid.NewGuid());

        // The routing queue takes one message at a time, in order: once a later referral is routed, the earlier ones were handled.
        await RoutedReferralAsync(area);
        var latecomer = Guid.NewGuid();
        await infrastructure.PublishAsync(new OrganisationRegistered(latecomer, "Late Link Workers", OrganisationKind.LinkWorkerService, waitingArea, DateTimeOffset.UtcNow), Guid.NewGuid());
        await StoredAsync<LinkWorkers.Network.AreaOrganisation>(latecomer);

        await using var session = Store.QuerySession();
        Assert.Null(await session.LoadAsync<WaitingReferral>(waiting.ReferralId));
        Assert.Null(await session.Events.FetchStreamStateAsync(waiting.ReferralId));
        Assert.Null(await session.Events.FetchStreamStateAsync(overtaken.ReferralId));
        Assert.DoesNotContain(infrastructure.PublishedOf<Published.ReferralRouted>(), p => p.Message.ReferralId == overtaken.ReferralId);
    }

    [Fact]
    public async Task An_invalid_transition_is_a_conflict_and_appends_nothing()
    {
        var (client, area) = await LinkWorkerServiceAsync();
        var caseId = await RoutedReferralAsync(area);

        foreach (var (path, body) in new (string, object)[]
        {
            ("resume", new { }),
            ("hold", new { note = "Waiting for a call back" }),
            ("close", new { outcome = "goals-met", summary = "Never started." }),
        })
        {
            var response = await client.PostAsJsonAsync($"/api/cases/{caseId}/{path}", body);
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await ClientFor(Guid.NewGuid()).PostAsJsonAsync($"/api/cases/{caseId}/reject", new { reason = "duplicate" })).StatusCode);

        await using var session = Store.QuerySession();
        Assert.IsType<CaseOpened>(Assert.Single(await session.Events.FetchStreamAsync(caseId)).Data);
        Assert.Equal(ReferralStatus.Requested, (await session.LoadAsync<Case>(caseId))!.Status);
    }

    private static ReferralRequested Referral(string area) => new(
        Guid.CreateVersion7(), Pathway.Gp, area, Guid.NewGuid(), "Riverside Surgery", OrganisationKind.GpPractice, ["loneliness"], Urgency.Routine,
        null, new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), "9434765919", "L1 8JQ", "07700900123", null, "phone", "en", null),
        DateTimeOffset.UtcNow);

    private static OnwardReferralProgressed Progress(Guid onwardReferralId, Guid referralId, OnwardReferralStep step, OnwardReferralStatus status) =>
        new(onwardReferralId, referralId, Guid.NewGuid(), step, status, null, null, null, null, DateTimeOffset.UtcNow);

    private HttpClient ClientFor(Guid organisation)
    {
        var client = infrastructure.LinkWorkers.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, OrganisationKind.LinkWorkerService));
        return client;
    }

    /// <summary>A link-worker service of a fresh area, known to the link-worker service, with one link worker.</summary>
    private async Task<(HttpClient Client, string Area)> LinkWorkerServiceAsync()
    {
        var area = "area-" + Guid.NewGuid().ToString("N")[..6];
        var service = Guid.NewGuid();
        await infrastructure.PublishAsync(new OrganisationRegistered(service, "North Link Workers", OrganisationKind.LinkWorkerService, area, DateTimeOffset.UtcNow), Guid.NewGuid());
        await StoredAsync<LinkWorkers.Network.AreaOrganisation>(service);
        var client = ClientFor(service);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/link-workers", new { name = "Sam", maxActiveCases = 20 })).StatusCode);
        return (client, area);
    }

    private async Task<Guid> RoutedReferralAsync(string area)
    {
        var referral = Referral(area);
        await infrastructure.PublishAsync(referral, Guid.NewGuid());
        await infrastructure.WaitForPublishedAsync<Published.ReferralRouted>(m => m.ReferralId == referral.ReferralId);
        return referral.ReferralId;
    }

    private async Task<DirectoryListing> ListedServiceAsync(string area)
    {
        var listed = new CommunityServiceListed(Guid.NewGuid(), Guid.NewGuid(), "Green Steps", "Walking group", ["physical-activity"], area, "direct", 10, 4,
            DateTimeOffset.UtcNow);
        await infrastructure.PublishAsync(listed, Guid.NewGuid());
        return await StoredAsync<DirectoryListing>(listed.ServiceId);
    }

    private static async Task<Guid> ReferOnAsync(HttpClient client, Guid caseId, DirectoryListing service)
    {
        var response = await client.PostAsJsonAsync($"/api/cases/{caseId}/onward-referrals", new { serviceId = service.Id });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedView>())!.Id;
    }

    private Task<T> StoredAsync<T>(Guid id) where T : class =>
        Eventually.GetAsync(async () =>
        {
            await using var s = Store.QuerySession();
            return await s.LoadAsync<T>(id);
        }, $"the {typeof(T).Name} {id}");

    private Task<T> HeardAsync<T>(Func<T, bool> match) where T : class =>
        Eventually.GetAsync(() => heard.OfType<T>().FirstOrDefault(match), $"{typeof(T).Name} on the broker");

    private void Hear<T>(IReceiveEndpointConfigurator endpoint) where T : class =>
        endpoint.Handler<T>(ctx =>
        {
            heard.Enqueue(ctx.Message);
            return Task.CompletedTask;
        });

    private sealed record CaseView(Guid Id, string Status, string? Outcome, List<OnwardView> OnwardReferrals);

    private sealed record OnwardView(Guid Id, string Status, bool Escalated);

    private sealed record CreatedView(Guid Id, string Status);

    private sealed record WorkerView(Guid Id, string Name, int MaxActiveCases, int ActiveCases);
}
