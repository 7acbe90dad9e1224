using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using JasperFx.Events;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.Contracts;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.Messaging;
using ReferralNetwork.Referrals.Referrals;
using LinkWorkerEvents = ReferralNetwork.Contracts.LinkWorkers;
using Published = ReferralNetwork.Contracts.Referrals;

namespace ReferralNetwork.IntegrationTests;

[Collection(RealInfrastructureCollection.Name)]
public class ReferralServiceTests(RealInfrastructure infrastructure)
{
    internal static object ReferralBody(string nhsNumber = "9434765919") => new
    {
        person = new
        {
            givenName = "Ada", familyName = "Lovelace", dateOfBirth = "1950-12-10", nhsNumber, postcode = "L1 8JQ",
            phone = "07700900123", preferredContact = "phone", language = "en",
        },
        needs = new[] { "loneliness", "physical-activity" },
        reason = "Recently bereaved.",
        urgency = "routine",
        consent = new { given = true, recordedAt = "2026-11-20T10:00:00Z", shareWithReferrer = "full" },
    };

    /// <summary>
    /// Each retry must run the inbox (and the consumer) again from the top, in a fresh scope: were the retry
    /// inside the inbox, a retried consumer would append to a session still holding the failed attempt's events.
    /// </summary>
    [Fact]
    public void Every_queue_retries_outside_its_inbox_and_takes_a_stream_one_message_at_a_time()
    {
        var result = infrastructure.Referrals.Services.GetRequiredService<IBus>().GetProbeResult();
        var probe = System.Text.Json.JsonSerializer.Serialize(result);
        var endpoint = probe.IndexOf("referrals-referral-updates", StringComparison.Ordinal);
        Assert.True(endpoint >= 0, "the updates queue is in the probe");
        var retry = probe.IndexOf("\"filterType\":\"retry\"", endpoint, StringComparison.Ordinal);
        var inbox = probe.IndexOf("ReferralNetwork.Messaging.Inbox", endpoint, StringComparison.Ordinal);
        Assert.True(retry >= 0 && inbox > retry, $"retry ({retry}) wraps the inbox ({inbox})");
        // And what the retries could not get through waits on the broker (WaitingRoom) rather than going to _error.
        var waiting = probe.IndexOf("\"filterType\":\"waiting-room\"", endpoint, StringComparison.Ordinal);
        Assert.True(waiting >= 0 && waiting < retry, $"the waiting room ({waiting}) wraps the retries ({retry})");
        // And one message of a stream at a time through all of it (StreamOrder), or a stream's next message
        // could overtake one still retrying.
        var partition = probe.IndexOf("\"filterType\":\"partition\"", endpoint, StringComparison.Ordinal);
        Assert.True(partition >= 0 && partition < waiting, $"the stream's partition ({partition}) wraps the waiting room ({waiting})");
    }

    /// <summary>
    /// A command without If-Match waits for whoever is writing the stream (here a writer standing in for a
    /// consumer mirroring another service's report) and is decided on what it wrote, instead of answering 409.
    /// </summary>
    [Fact]
    public async Task A_command_without_if_match_waits_for_a_concurrent_writer_instead_of_conflicting()
    {
        var gp = Guid.NewGuid();
        var client = ClientFor(gp, OrganisationKind.GpPractice);
        var id = (await (await client.PostAsJsonAsync("/api/referrals", ReferralBody())).Content.ReadFromJsonAsync<IdOnly>())!.Id;

        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        await using var writer = store.LightweightSession();
        var stream = await writer.Events.FetchForExclusiveWriting<Referral>(id);
        stream.AppendOne(new ReferralMessagePosted(id, Guid.CreateVersion7(), new Actor(gp, OrganisationKind.GpPractice), "Riverside Surgery", "Written meanwhile.", DateTimeOffset.UtcNow));
        var cancelling = client.PostAsJsonAsync($"/api/referrals/{id}/cancel", new { reason = "revoked" });
        await Task.Delay(TimeSpan.FromSeconds(1));
        await writer.SaveChangesAsync();

        var cancelled = await cancelling;
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        await using var query = store.QuerySession();
        var events = (await query.Events.FetchStreamAsync(id)).Select(e => e.Data.GetType()).ToList();
        Assert.Equal(events.IndexOf(typeof(ReferralMessagePosted)) + 1, events.IndexOf(typeof(ReferralCancelled)));
    }

    private HttpClient ClientFor(Guid organisation, OrganisationKind kind)
    {
        var client = infrastructure.Referrals.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, kind, name: "Riverside Surgery"));
        return client;
    }

    [Fact]
    public async Task A_submitted_referral_is_appended_to_its_stream_and_read_back()
    {
        var gp = Guid.NewGuid();
        var response = await ClientFor(gp, OrganisationKind.GpPractice).PostAsJsonAsync("/api/referrals", ReferralBody());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<IdAndVersion>())!;
        var id = created.Id;

        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(id);
        var requested = Assert.IsType<ReferralRequested>(Assert.Single(events).Data);
        Assert.Equal(gp, requested.By.OrganisationId);
        Assert.Equal(Pathway.Gp, requested.Pathway);
        Assert.Equal("9434765919", requested.Person.NhsNumber);

        var read = await ClientFor(gp, OrganisationKind.GpPractice).GetAsync($"/api/referrals/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("\"1\"", read.Headers.ETag?.Tag);
        // The created body and its ETag say the version the stored referral has.
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        Assert.Equal(1, created.Version);
        Assert.Equal(1, (await read.Content.ReadFromJsonAsync<IdAndVersion>())!.Version);
    }

    [Fact]
    public async Task The_relay_publishes_the_integration_event_with_the_event_id_as_message_id()
    {
        var response = await ClientFor(Guid.NewGuid(), OrganisationKind.SocialCare).PostAsJsonAsync("/api/referrals", ReferralBody());
        var id = (await response.Content.ReadFromJsonAsync<IdOnly>())!.Id;

        var (messageId, message) = await infrastructure.WaitForPublishedAsync<Published.ReferralRequested>(m => m.ReferralId == id);
        Assert.Equal(Pathway.SocialCare, message.Pathway);

        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var stored = Assert.Single(await session.Events.FetchStreamAsync(id));
        Assert.Equal(stored.Id, messageId);
    }

    [Fact]
    public async Task A_redelivered_update_is_recorded_once()
    {
        var gp = Guid.NewGuid();
        var response = await ClientFor(gp, OrganisationKind.GpPractice).PostAsJsonAsync("/api/referrals", ReferralBody());
        var id = (await response.Content.ReadFromJsonAsync<IdOnly>())!.Id;
        var linkWorkerService = Guid.NewGuid();
        var routed = new LinkWorkerEvents.ReferralRouted(id, linkWorkerService, "North Link Workers", DateTimeOffset.UtcNow);
        var messageId = Guid.NewGuid();

        await infrastructure.PublishAsync(routed, messageId);
        await infrastructure.PublishAsync(routed, messageId);
        // The updates queue is consumed in order, so once this later message shows, both copies were handled.
        var acceptedAt = DateTimeOffset.UtcNow;
        await infrastructure.PublishAsync(new LinkWorkerEvents.ReferralAccepted(id, linkWorkerService, Guid.NewGuid(), "Sam", acceptedAt), Guid.NewGuid());

        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        var events = await Eventually.GetAsync(async () =>
        {
            await using var session = store.QuerySession();
            var stream = await session.Events.FetchStreamAsync(id);
            return stream.Any(e => e.Data is LinkWorkerAssigned) ? stream : null;
        }, "the acceptance after the duplicates");

        Assert.Single(events, e => e.Data is LinkWorkerServiceAssigned);
        await using (var session = store.QuerySession())
        {
            Assert.NotNull(await session.LoadAsync<HandledMessage>($"referrals-referral-updates:{messageId:N}"));
            var referral = await session.LoadAsync<Referral>(id);
            Assert.Equal(ReferralStatus.Accepted, referral!.Status);
            Assert.Equal(linkWorkerService, referral.LinkWorkerServiceId);
        }

        // The link-worker service is now a party and sees the referral; another GP does not.
        var asService = await ClientFor(linkWorkerService, OrganisationKind.LinkWorkerService).GetAsync($"/api/referrals/{id}");
        Assert.Equal(HttpStatusCode.OK, asService.StatusCode);
        var asOtherGp = await ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice).GetAsync($"/api/referrals/{id}");
        Assert.Equal(HttpStatusCode.NotFound, asOtherGp.StatusCode);
    }

    [Fact]
    public async Task Invalid_referrals_are_refused_and_nothing_is_stored()
    {
        var gp = Guid.NewGuid();
        var client = ClientFor(gp, OrganisationKind.GpPractice);
        var response = await client.PostAsJsonAsync("/api/referrals", ReferralBody(nhsNumber: "9434765918"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        Assert.Equal(0, await session.Query<Referral>().CountAsync(r => r.ReferrerId == gp));
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_first_result_and_creates_nothing_new()
    {
        var gp = Guid.NewGuid();
        var client = ClientFor(gp, OrganisationKind.GpPractice);
        client.DefaultRequestHeaders.Add("Idempotency-Key", "ref-42");

        var first = await client.PostAsJsonAsync("/api/referrals", ReferralBody());
        var second = await client.PostAsJsonAsync("/api/referrals", ReferralBody());
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal((await first.Content.ReadFromJsonAsync<IdOnly>())!.Id, (await second.Content.ReadFromJsonAsync<IdOnly>())!.Id);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());

        var different = await client.PostAsJsonAsync("/api/referrals", ReferralBody(nhsNumber: "4010232137"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, different.StatusCode);

        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        Assert.Equal(1, await session.Query<Referral>().CountAsync(r => r.ReferrerId == gp));
    }

    internal sealed record IdOnly(Guid Id);

    internal sealed record IdAndVersion(Guid Id, long Version);
}
