using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.Contracts;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.Referrals.Referrals;
using FeedbackEvents = ReferralNetwork.Contracts.Feedback;
using LinkWorkerEvents = ReferralNetwork.Contracts.LinkWorkers;
using ProviderEvents = ReferralNetwork.Contracts.CommunityProviders;
using Published = ReferralNetwork.Contracts.Referrals;

namespace ReferralNetwork.IntegrationTests;

/// <summary>The referral service mirroring the whole lifecycle, with messages, cancellation and self-referral, on real PostgreSQL and RabbitMQ.</summary>
[Collection(RealInfrastructureCollection.Name)]
public class ReferralLifecycleTests(RealInfrastructure infrastructure)
{
    // Each test its own area, so the link-worker service in the fixture never routes these referrals itself.
    private readonly string area = "lifecycle-" + Guid.NewGuid().ToString("N")[..8];

    private HttpClient ClientFor(Guid organisation, OrganisationKind kind, string name = "Riverside Surgery")
    {
        var client = infrastructure.Referrals.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, kind, area, name));
        return client;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<Guid> SubmitAsync(HttpClient referrer) =>
        (await JsonAsync(await referrer.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody()))).GetProperty("id").GetGuid();

    private static Task<JsonElement> SeenAsync(HttpClient client, Guid id, Func<JsonElement, bool> until, string what) =>
        Eventually.GetAsync<JsonElement?>(async () =>
        {
            var referral = await JsonAsync(await client.GetAsync($"/api/referrals/{id}"));
            return until(referral) ? referral : null;
        }, what).ContinueWith(t => t.Result!.Value);

    private static Task<JsonElement> StatusAsync(HttpClient client, Guid id, string status) =>
        SeenAsync(client, id, r => r.GetProperty("status").GetString() == status, status);

    private Task PublishAsync<T>(T message) where T : class => infrastructure.PublishAsync(message, Guid.NewGuid());

    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    [Fact]
    public async Task A_referral_is_routed_accepted_held_resumed_referred_on_and_closed_and_the_referrer_sees_every_step_and_the_message_back()
    {
        var gp = ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice);
        var id = await SubmitAsync(gp);
        var service = Guid.NewGuid();
        var provider = Guid.NewGuid();
        var onward = Guid.NewGuid();

        await PublishAsync(new LinkWorkerEvents.ReferralRouted(id, service, "North Link Workers", Now));
        await PublishAsync(new LinkWorkerEvents.ReferralAccepted(id, service, Guid.NewGuid(), "Sam Jones", Now));
        await StatusAsync(gp, id, "accepted");

        await PublishAsync(new LinkWorkerEvents.ContactAttempted(id, service, "reached", Now, Now));
        await StatusAsync(gp, id, "in-progress");

        await PublishAsync(new LinkWorkerEvents.ReferralPutOnHold(id, service, "In hospital", Now));
        await StatusAsync(gp, id, "on-hold");

        var resume = new LinkWorkerEvents.ReferralResumed(id, service, Now);
        var resumeId = Guid.NewGuid();
        await infrastructure.PublishAsync(resume, resumeId);
        await infrastructure.PublishAsync(resume, resumeId);
        await StatusAsync(gp, id, "in-progress");

        await PublishAsync(new LinkWorkerEvents.OnwardReferralRequested(
            onward, id, service, Guid.NewGuid(), "Stanley Park walking group", provider, "Green Steps", ["physical-activity"], null,
            new LinkWorkerEvents.OnwardReferralPerson("Ada", "Lovelace", null, null, null, null, null), Now));
        await PublishAsync(new ProviderEvents.OnwardReferralAcknowledged(onward, id, provider, Now));
        await PublishAsync(new ProviderEvents.OnwardReferralProgressed(
            onward, id, provider, ProviderEvents.OnwardReferralStep.Accepted, OnwardReferralStatus.Accepted, null, null, null, null, Now));
        await PublishAsync(new ProviderEvents.OnwardReferralProgressed(
            onward, id, provider, ProviderEvents.OnwardReferralStep.AttendanceRecorded, OnwardReferralStatus.InProgress, null, null, new DateOnly(2026, 12, 1), true, Now));
        var started = await SeenAsync(gp, id,
            r => r.GetProperty("onwardReferrals").GetArrayLength() == 1 && r.GetProperty("onwardReferrals")[0].GetProperty("status").GetString() == "in-progress",
            "onward in-progress");
        Assert.Equal("Green Steps", started.GetProperty("onwardReferrals")[0].GetProperty("provider").GetProperty("name").GetString());

        // Before the close there is no message back.
        Assert.Equal(HttpStatusCode.NotFound, (await gp.GetAsync($"/api/referrals/{id}/message-back")).StatusCode);

        await PublishAsync(new FeedbackEvents.OutcomeRecorded(Guid.NewGuid(), id, "swemwbs", "baseline",
            new Dictionary<string, decimal> { ["raw"] = 21, ["metric"] = 19.25m }, Now));
        await PublishAsync(new LinkWorkerEvents.ReferralClosed(id, service, ReferralStatus.Completed, "goals-met", "Walking weekly with the group.", Now));
        var completed = await StatusAsync(gp, id, "completed");
        Assert.Equal("goals-met", completed.GetProperty("statusReason").GetString());

        var timeline = await JsonAsync(await gp.GetAsync($"/api/referrals/{id}/timeline"));
        string[] expected =
        [
            "referral.requested", "referral.accepted", "referral.contact-made", "referral.on-hold", "referral.resumed",
            "onward-referral.requested", "onward-referral.received", "onward-referral.accepted", "onward-referral.attendance-recorded",
            "outcome.recorded", "referral.completed",
        ];
        Assert.Equal(expected, timeline.EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToArray());
        Assert.DoesNotContain("Lovelace", timeline.GetRawText());

        var messageBack = await JsonAsync(await gp.GetAsync($"/api/referrals/{id}/message-back"));
        Assert.Equal("goals-met", messageBack.GetProperty("outcome").GetString());
        Assert.Equal("Walking weekly with the group.", messageBack.GetProperty("summary").GetString());
        Assert.Equal(["loneliness", "physical-activity"], messageBack.GetProperty("needs").EnumerateArray().Select(n => n.GetString()!));
        var support = Assert.Single(messageBack.GetProperty("supportOffered").EnumerateArray());
        Assert.Equal("in-progress", support.GetProperty("status").GetString());
        Assert.Equal(19.25m, Assert.Single(messageBack.GetProperty("measures").EnumerateArray()).GetProperty("scores").GetProperty("metric").GetDecimal());
        Assert.Equal("871731000000106", Assert.Single(messageBack.GetProperty("codes").EnumerateArray()).GetProperty("code").GetString());

        // The redelivered resume appended nothing; the close carries the same message back for the feed.
        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(id);
        Assert.Single(events, e => e.Data is ReferralResumed);
        Assert.Equal("goals-met", Assert.Single(events.Select(e => e.Data).OfType<ReferralClosed>()).MessageBack.Outcome);
    }

    [Fact]
    public async Task The_referrer_cancels_once_the_network_is_told_and_a_second_cancel_conflicts()
    {
        var gpId = Guid.NewGuid();
        var gp = ClientFor(gpId, OrganisationKind.GpPractice);
        var id = await SubmitAsync(gp);
        var service = Guid.NewGuid();
        await PublishAsync(new LinkWorkerEvents.ReferralRouted(id, service, "North Link Workers", Now));
        await SeenAsync(gp, id, r => r.GetProperty("linkWorkerService").ValueKind == JsonValueKind.Object, "routing");

        // Our own queue for ReferralCancelled: the fixture's observer does not watch it.
        var heard = new ConcurrentQueue<ObservedMessage>();
        var listener = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri(infrastructure.Broker.ConnectionString));
            cfg.ReceiveEndpoint("integration-tests-referral-cancelled-" + Guid.NewGuid().ToString("N")[..8], e =>
            {
                e.AutoDelete = true;
                e.Handler<Published.ReferralCancelled>(ctx =>
                {
                    heard.Enqueue(new ObservedMessage(ctx.MessageId, ctx.Message, Messaging.StreamOrder.KeyOf(ctx)));
                    return Task.CompletedTask;
                });
            });
        });
        await listener.StartAsync();
        try
        {
            var body = new { reason = "revoked", note = "Moved to another practice" };
            Assert.Equal(HttpStatusCode.NotFound, (await ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice).PostAsJsonAsync($"/api/referrals/{id}/cancel", body)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await ClientFor(service, OrganisationKind.LinkWorkerService).PostAsJsonAsync($"/api/referrals/{id}/cancel", body)).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await gp.PostAsJsonAsync($"/api/referrals/{id}/cancel", new { reason = "changed-my-mind" })).StatusCode);

            var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/referrals/{id}/cancel") { Content = JsonContent.Create(body) };
            stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
            Assert.Equal(HttpStatusCode.Conflict, (await gp.SendAsync(stale)).StatusCode);

            var current = new HttpRequestMessage(HttpMethod.Post, $"/api/referrals/{id}/cancel") { Content = JsonContent.Create(body) };
            current.Headers.IfMatch.Add(new EntityTagHeaderValue("\"2\""));
            var cancelled = await gp.SendAsync(current);
            var view = await JsonAsync(cancelled);
            Assert.Equal("cancelled", view.GetProperty("status").GetString());
            Assert.Equal("revoked", view.GetProperty("statusReason").GetString());
            Assert.Equal("\"3\"", cancelled.Headers.ETag?.Tag);

            var again = await gp.PostAsJsonAsync($"/api/referrals/{id}/cancel", new { reason = "entered-in-error" });
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);

            var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
            await using var session = store.QuerySession();
            var events = await session.Events.FetchStreamAsync(id);
            var stored = Assert.Single(events, e => e.Data is ReferralCancelled);
            Assert.Equal(CancellationReason.Revoked, ((ReferralCancelled)stored.Data).Reason);

            var observed = await Eventually.GetAsync(() => heard.FirstOrDefault(h => ((Published.ReferralCancelled)h.Message).ReferralId == id), "ReferralCancelled on the broker");
            var message = (Published.ReferralCancelled)observed.Message;
            Assert.Equal((gpId, "revoked", "Moved to another practice"), (message.ReferrerId, message.Reason, message.Note));
            Assert.Equal(stored.Id, observed.MessageId);
        }
        finally
        {
            await listener.StopAsync();
        }

        // The link-worker side's cancellations of onward referrals still land after the cancel.
        var onward = Guid.NewGuid();
        var provider = Guid.NewGuid();
        await PublishAsync(new LinkWorkerEvents.OnwardReferralRequested(
            onward, id, service, Guid.NewGuid(), "Walking group", provider, "Green Steps", ["loneliness"], null,
            new LinkWorkerEvents.OnwardReferralPerson("Ada", "Lovelace", null, null, null, null, null), Now));
        await PublishAsync(new LinkWorkerEvents.OnwardReferralWithdrawn(onward, id, service, provider, "referral-cancelled", Now));
        var withdrawn = await SeenAsync(gp, id,
            r => r.GetProperty("onwardReferrals").GetArrayLength() == 1 && r.GetProperty("onwardReferrals")[0].GetProperty("status").GetString() == "cancelled",
            "the onward referral cancelled");
        Assert.Equal("referral-cancelled", withdrawn.GetProperty("onwardReferrals")[0].GetProperty("statusReason").GetString());
        Assert.Equal("cancelled", withdrawn.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Messages_posted_at_once_without_if_match_wait_for_each_other_and_each_answers_its_own_version()
    {
        var gp = ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice);
        var id = await SubmitAsync(gp);

        var posts = await Task.WhenAll(Enumerable.Range(1, 6).Select(n => gp.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = $"Note {n}" })));

        Assert.All(posts, p => Assert.Equal(HttpStatusCode.Created, p.StatusCode));
        Assert.Equal(["\"2\"", "\"3\"", "\"4\"", "\"5\"", "\"6\"", "\"7\""], posts.Select(p => p.Headers.ETag!.Tag).Order());
        var read = await gp.GetAsync($"/api/referrals/{id}");
        Assert.Equal("\"7\"", read.Headers.ETag?.Tag);
        Assert.Equal(7, (await JsonAsync(read)).GetProperty("version").GetInt64());

        var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/referrals/{id}/messages") { Content = JsonContent.Create(new { text = "Late" }) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"6\""));
        Assert.Equal(HttpStatusCode.Conflict, (await gp.SendAsync(stale)).StatusCode);
    }

    [Fact]
    public async Task The_referrer_and_a_provider_holding_an_onward_referral_exchange_messages_and_a_stranger_sees_nothing()
    {
        var gp = ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice);
        var id = await SubmitAsync(gp);
        var service = Guid.NewGuid();
        var providerId = Guid.NewGuid();
        var provider = ClientFor(providerId, OrganisationKind.CommunityProvider, "Green Steps");
        var stranger = ClientFor(Guid.NewGuid(), OrganisationKind.CommunityProvider, "Elsewhere");

        // Before it holds an onward referral the provider is a stranger too.
        Assert.Equal(HttpStatusCode.NotFound, (await provider.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = "Hello?" })).StatusCode);

        await PublishAsync(new LinkWorkerEvents.ReferralRouted(id, service, "North Link Workers", Now));
        await PublishAsync(new LinkWorkerEvents.ReferralAccepted(id, service, Guid.NewGuid(), "Sam Jones", Now));
        await PublishAsync(new LinkWorkerEvents.OnwardReferralRequested(
            Guid.NewGuid(), id, service, Guid.NewGuid(), "Walking group", providerId, "Green Steps", ["loneliness"], null,
            new LinkWorkerEvents.OnwardReferralPerson("Ada", "Lovelace", null, null, null, null, null), Now));
        await SeenAsync(gp, id, r => r.GetProperty("onwardReferrals").GetArrayLength() == 1, "the onward referral");

        var fromGp = await gp.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = "She prefers mornings." });
        Assert.Equal(HttpStatusCode.Created, fromGp.StatusCode);
        var posted = await JsonAsync(fromGp);
        Assert.Equal("She prefers mornings.", posted.GetProperty("text").GetString());
        Assert.Equal("gp-practice", posted.GetProperty("by").GetProperty("kind").GetString());
        Assert.Equal("Riverside Surgery", posted.GetProperty("by").GetProperty("name").GetString());
        Assert.Equal(fromGp.Headers.Location?.OriginalString, $"/api/referrals/{id}/messages/{posted.GetProperty("id").GetGuid()}");

        Assert.Equal(HttpStatusCode.Created, (await provider.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = "Tuesday 10:00 suits us." })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await provider.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = new string('x', 4001) })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await provider.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = " " })).StatusCode);

        foreach (var reader in new[] { gp, provider, ClientFor(service, OrganisationKind.LinkWorkerService) })
        {
            var messages = await JsonAsync(await reader.GetAsync($"/api/referrals/{id}/messages"));
            Assert.Equal(["She prefers mornings.", "Tuesday 10:00 suits us."], messages.EnumerateArray().Select(m => m.GetProperty("text").GetString()!));
            Assert.Equal("Green Steps", messages[1].GetProperty("by").GetProperty("name").GetString());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/referrals/{id}/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = "Hi" })).StatusCode);
        // Messaging does not widen who reads the referral itself.
        Assert.Equal(HttpStatusCode.NotFound, (await provider.GetAsync($"/api/referrals/{id}")).StatusCode);

        var timeline = await JsonAsync(await gp.GetAsync($"/api/referrals/{id}/timeline"));
        var messageEntries = timeline.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "referral.message-posted").ToList();
        Assert.Equal(2, messageEntries.Count);
        Assert.DoesNotContain("mornings", timeline.GetRawText());
    }

    [Fact]
    public async Task Concurrent_messages_with_one_idempotency_key_all_answer_as_the_first_and_post_one()
    {
        var gp = ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice);
        var id = await SubmitAsync(gp);
        var version = (await gp.GetAsync($"/api/referrals/{id}")).Headers.ETag!;

        // With If-Match the post is checked optimistically: of the concurrent attempts one appends and the
        // rest lose on the stream's version, and those must answer as the one that went first.
        var key = "message-" + Guid.NewGuid().ToString("N");
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/referrals/{id}/messages") { Content = JsonContent.Create(new { text = "Is Tuesday all right?" }) };
            request.Headers.Add("Idempotency-Key", key);
            request.Headers.IfMatch.Add(version);
            return gp.SendAsync(request);
        }));

        var answers = await Task.WhenAll(responses.Select(async r => ((int)r.StatusCode, r.Headers.Location?.ToString(), await r.Content.ReadAsStringAsync())));
        Assert.All(answers, a => Assert.True(a.Item1 == (int)HttpStatusCode.Created, $"{a.Item1} {a.Item3}"));
        Assert.Single(answers.Select(a => a.Item3).Distinct());
        Assert.Single(answers.Select(a => a.Item2).Distinct());
        var posted = JsonDocument.Parse(answers[0].Item3).RootElement.GetProperty("id").GetGuid();

        var messages = await JsonAsync(await gp.GetAsync($"/api/referrals/{id}/messages"));
        Assert.Equal(posted, Assert.Single(messages.EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task A_self_referral_retried_with_its_idempotency_key_and_body_is_answered_with_its_id_and_stored_once()
    {
        var anonymous = infrastructure.Referrals.CreateClient();
        var mine = JsonSerializer.SerializeToNode(ReferralServiceTests.ReferralBody())!.AsObject();
        mine["area"] = area;
        mine["reason"] = "Mine: I live at 1 Dock Road.";
        var theirs = mine.DeepClone().AsObject();
        theirs["reason"] = "Someone else's, same key.";
        var key = "self-" + Guid.NewGuid().ToString("N");

        async Task<(HttpStatusCode Status, string Body)> PostAsync(JsonObject body)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/self-referrals") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            var response = await anonymous.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        static Guid IdOf(string body)
        {
            // The answer is the id and nothing else, first time or replayed.
            var root = JsonDocument.Parse(body).RootElement;
            Assert.Equal(["id"], root.EnumerateObject().Select(p => p.Name));
            return root.GetProperty("id").GetGuid();
        }

        var first = await PostAsync(mine);
        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        // The response was lost; the person's browser sends it again, and again at once.
        var retries = await Task.WhenAll(PostAsync(mine), PostAsync(mine), PostAsync(mine));
        Assert.All(retries, r => Assert.Equal((HttpStatusCode.Accepted, first.Body), r));
        var id = IdOf(first.Body);

        // Someone else sending another body with the same key is just another self-referral: neither refused
        // (which would tell them the key was used) nor answered with the first one's id.
        var other = await PostAsync(theirs);
        Assert.Equal(HttpStatusCode.Accepted, other.Status);
        var otherId = IdOf(other.Body);
        Assert.NotEqual(id, otherId);
        Assert.Equal((HttpStatusCode.Accepted, other.Body), await PostAsync(theirs));
        Assert.Equal((HttpStatusCode.Accepted, first.Body), await PostAsync(mine));

        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        Assert.Equal(new[] { id, otherId }.Order(), (await session.Query<Referral>().Where(r => r.Area == area).Select(r => r.Id).ToListAsync()).Order());
        // What is kept for the key names neither the key nor the person, and answers only with the id.
        var kept = await session.Query<ReferralNetwork.PartnerApi.IdempotentResponse>().Where(r => r.ResponseJson.Contains(id.ToString())).ToListAsync();
        var record = Assert.Single(kept);
        Assert.DoesNotContain(key, record.Id);
        Assert.Equal(first.Body, record.ResponseJson);
    }

    [Fact]
    public async Task A_self_referral_is_accepted_anonymously_stored_with_the_self_referral_pathway_and_announced()
    {
        var anonymous = infrastructure.Referrals.CreateClient();
        var body = JsonSerializer.SerializeToNode(ReferralServiceTests.ReferralBody())!.AsObject();
        body["area"] = area;

        var response = await anonymous.PostAsJsonAsync("/api/self-referrals", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await JsonAsync(response)).GetProperty("id").GetGuid();

        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.QuerySession())
        {
            var referral = await session.LoadAsync<Referral>(id);
            Assert.NotNull(referral);
            Assert.Equal(Pathway.SelfReferral, referral.Pathway);
            Assert.Equal(area, referral.Area);
            Assert.Equal(Guid.Empty, referral.ReferrerId);
            Assert.Equal("Self-referral", referral.Referrer.Name);
        }

        var (_, announced) = await infrastructure.WaitForPublishedAsync<Published.ReferralRequested>(m => m.ReferralId == id);
        Assert.Equal((Pathway.SelfReferral, area), (announced.Pathway, announced.Area));

        body["area"] = "Not An Area";
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await anonymous.PostAsJsonAsync("/api/self-referrals", body)).StatusCode);
        body.Remove("area");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await anonymous.PostAsJsonAsync("/api/self-referrals", body)).StatusCode);
        body["area"] = area;
        body["urgency"] = "whenever";
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsJsonAsync("/api/self-referrals", body)).StatusCode);
    }
}
