using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using ReferralNetwork.Contracts;
using ReferralNetwork.Hosting;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.Referrals.Webhooks;
using LinkWorkerEvents = ReferralNetwork.Contracts.LinkWorkers;
using ProviderEvents = ReferralNetwork.Contracts.CommunityProviders;

namespace ReferralNetwork.IntegrationTests;

[Collection(RealInfrastructureCollection.Name)]
public class FeedAndWebhookTests(RealInfrastructure infrastructure)
{
    // An area of its own, so the link-worker service under test routes nothing here by itself:
    // these tests drive routing with published events.
    private readonly string area = "feed-tests-" + Guid.NewGuid().ToString("N")[..8];

    private HttpClient ClientFor(Guid organisation, OrganisationKind kind)
    {
        var client = infrastructure.Referrals.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, kind, area, "Riverside Surgery"));
        return client;
    }

    private static async Task<Guid> SubmitAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReferralServiceTests.IdOnly>())!.Id;
    }

    /// <summary>The whole feed from the start, following next in pages of <paramref name="limit"/> until a page comes back empty.</summary>
    private static async Task<List<FeedItem>> ReadAllAsync(HttpClient client, int limit)
    {
        var all = new List<FeedItem>();
        string? cursor = null;
        while (true)
        {
            var page = (await client.GetFromJsonAsync<Page>($"/api/events?limit={limit}" + (cursor is null ? "" : $"&after={cursor}")))!;
            Assert.True(page.Events.Count <= limit);
            if (page.Events.Count == 0)
            {
                // Nothing new: the same cursor comes back, so a partner can keep polling with it.
                Assert.Equal(cursor ?? "0", page.Next);
                return all;
            }

            all.AddRange(page.Events);
            cursor = page.Next;
        }
    }

    [Fact]
    public async Task The_feed_reads_the_same_in_any_page_size_and_only_to_the_parties()
    {
        // A referral service of its own (own database and broker): the shared one's update queue is
        // consumed one at a time and other tests' reports about referrals it never stored hold it up.
        await using var service = await IsolatedReferralService.StartAsync(infrastructure);
        HttpClient As(Guid organisation, OrganisationKind kind) => service.ClientFor(organisation, kind, area);

        var gp = Guid.NewGuid();
        var otherGp = Guid.NewGuid();
        var linkWorkerService = Guid.NewGuid();
        var provider = Guid.NewGuid();
        var gpClient = As(gp, OrganisationKind.GpPractice);
        var first = await SubmitAsync(gpClient);
        var second = await SubmitAsync(gpClient);
        var otherGpsReferral = await SubmitAsync(As(otherGp, OrganisationKind.GpPractice));
        await using (var shared = infrastructure.Referrals.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession())
        {
            Assert.Null(await shared.Events.FetchStreamStateAsync(first));
        }

        var now = DateTimeOffset.UtcNow;
        var onwardReferral = Guid.NewGuid();
        await service.PublishAsync(new LinkWorkerEvents.ReferralRouted(first, linkWorkerService, "North Link Workers", now));
        await service.PublishAsync(new LinkWorkerEvents.ReferralRouted(second, linkWorkerService, "North Link Workers", now));
        await service.PublishAsync(new LinkWorkerEvents.ReferralAccepted(first, linkWorkerService, Guid.NewGuid(), "Sam", now));
        await service.PublishAsync(new LinkWorkerEvents.ContactAttempted(first, linkWorkerService, "reached", now, now));
        await service.PublishAsync(new LinkWorkerEvents.OnwardReferralRequested(
            onwardReferral, first, linkWorkerService, Guid.NewGuid(), "Walking group", provider, "Parks Trust", ["physical-activity"], null,
            new LinkWorkerEvents.OnwardReferralPerson("Ada", "Lovelace", "07700900123", null, "phone", "en", null), now));
        await service.PublishAsync(new ProviderEvents.OnwardReferralAcknowledged(onwardReferral, first, provider, now));

        var serviceClient = As(linkWorkerService, OrganisationKind.LinkWorkerService);
        await Eventually.GetAsync(async () =>
        {
            var gpFeed = await ReadAllAsync(gpClient, 500);
            var serviceFeed = await ReadAllAsync(serviceClient, 500);
            return gpFeed.Any(e => e.ReferralId == first && e.Type == "onward-referral.received")
                && serviceFeed.Any(e => e.ReferralId == second && e.Type == "referral.requested") ? "" : null;
        }, "every step in the feeds", seconds: 60);

        var inOnes = await ReadAllAsync(gpClient, 1);
        var inSevens = await ReadAllAsync(gpClient, 7);
        var inFiveHundreds = await ReadAllAsync(gpClient, 500);
        Assert.Equal(inFiveHundreds.Select(e => e.Id), inOnes.Select(e => e.Id));
        Assert.Equal(inFiveHundreds.Select(e => e.Id), inSevens.Select(e => e.Id));
        Assert.Equal(inFiveHundreds.Count, inFiveHundreds.Select(e => e.Id).Distinct().Count());
        Assert.Equal(
            ["referral.requested", "referral.accepted", "referral.contact-made", "onward-referral.requested", "onward-referral.received"],
            inFiveHundreds.Where(e => e.ReferralId == first).Select(e => e.Type));
        Assert.Equal(["referral.requested"], inFiveHundreds.Where(e => e.ReferralId == second).Select(e => e.Type));
        Assert.DoesNotContain(inFiveHundreds, e => e.ReferralId == otherGpsReferral);
        var accepted = inFiveHundreds.Single(e => e.Type == "referral.accepted");
        Assert.Equal("accepted", accepted.Data.GetProperty("status").GetString());

        // Resuming from any cursor gives exactly the rest.
        var start = (await gpClient.GetFromJsonAsync<Page>("/api/events?limit=2"))!;
        var rest = (await gpClient.GetFromJsonAsync<Page>($"/api/events?after={start.Next}&limit=500"))!;
        Assert.Equal(inFiveHundreds.Select(e => e.Id), start.Events.Concat(rest.Events).Select(e => e.Id));

        var otherGpsFeed = await ReadAllAsync(As(otherGp, OrganisationKind.GpPractice), 500);
        Assert.Equal([otherGpsReferral], otherGpsFeed.Select(e => e.ReferralId).Distinct());

        // The link-worker service sees both referrals from their request on, the earlier request placed at routing.
        var serviceFeed = await ReadAllAsync(serviceClient, 7);
        Assert.Equal(inFiveHundreds.Where(e => e.ReferralId == first).Select(e => e.Id), serviceFeed.Where(e => e.ReferralId == first).Select(e => e.Id));
        Assert.Contains(serviceFeed, e => e.ReferralId == second && e.Type == "referral.requested");

        var providerFeed = await ReadAllAsync(As(provider, OrganisationKind.CommunityProvider), 500);
        Assert.Equal(["onward-referral.requested", "onward-referral.received"], providerFeed.Select(e => e.Type));

        var operatorFeed = await ReadAllAsync(As(Guid.NewGuid(), OrganisationKind.Operator), 500);
        Assert.Equal(3, operatorFeed.Count(e => e.Type == "referral.requested"));
        Assert.Superset(inFiveHundreds.Select(e => e.Id).ToHashSet(), operatorFeed.Select(e => e.Id).ToHashSet());
    }

    [Theory]
    [InlineData("/api/events?limit=0")]
    [InlineData("/api/events?limit=501")]
    [InlineData("/api/events?after=abc")]
    [InlineData("/api/events?after=-5")]
    public async Task Bad_feed_requests_are_400_problems(string url)
    {
        var response = await ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice).GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Webhooks_are_signed_retried_after_a_failure_and_logged()
    {
        // Fails its first delivery, so the retry is seen too.
        var seen = 0;
        await using var receiver = await HookReceiver.StartAsync(_ =>
            Task.FromResult(Interlocked.Increment(ref seen) == 1 ? Results.StatusCode(500) : Results.Ok()));
        const string Secret = "a-long-enough-shared-secret";
        var gp = Guid.NewGuid();
        var otherGp = Guid.NewGuid();
        var gpClient = ClientFor(gp, OrganisationKind.GpPractice);
        var otherClient = ClientFor(otherGp, OrganisationKind.GpPractice);

        gpClient.DefaultRequestHeaders.Add("Idempotency-Key", "hook-1");
        var created = await gpClient.PostAsJsonAsync("/api/subscriptions", new { url = receiver.Url + "/mine", secret = Secret });
        var repeated = await gpClient.PostAsJsonAsync("/api/subscriptions", new { url = receiver.Url + "/mine", secret = Secret });
        gpClient.DefaultRequestHeaders.Remove("Idempotency-Key");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var createdJson = await created.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Secret, createdJson);
        var subscription = JsonSerializer.Deserialize<SubscriptionItem>(createdJson, JsonSerializerOptions.Web)!;
        Assert.Equal($"/api/subscriptions/{subscription.Id}", created.Headers.Location?.OriginalString);
        Assert.Equal(subscription.Id, (await repeated.Content.ReadFromJsonAsync<SubscriptionItem>())!.Id);
        Assert.Single((await gpClient.GetFromJsonAsync<List<SubscriptionItem>>("/api/subscriptions"))!);

        var others = await otherClient.PostAsJsonAsync("/api/subscriptions", new { url = receiver.Url + "/others", secret = Secret });
        Assert.Equal(HttpStatusCode.Created, others.StatusCode);

        var referral = await SubmitAsync(gpClient);

        var deliveries = await Eventually.GetAsync(async () =>
        {
            var log = await gpClient.GetFromJsonAsync<List<DeliveryItem>>($"/api/subscriptions/{subscription.Id}/deliveries");
            return log is [{ Status: "delivered" }] ? log : null;
        }, "the retried delivery", seconds: 60);

        var delivery = Assert.Single(deliveries);
        Assert.Equal("referral.requested", delivery.EventType);
        Assert.Null(delivery.NextAttemptAt);
        Assert.Collection(delivery.Attempts,
            failed => Assert.Equal(500, failed.StatusCode),
            delivered => Assert.Equal(200, delivered.StatusCode));

        var received = receiver.Requests.Where(r => r.Path == "/mine").ToList();
        Assert.Equal(2, received.Count);
        Assert.All(received, r =>
        {
            Assert.Equal(WebhookSignature.Compute(Secret, r.Body), r.Header("X-Signature"));
            Assert.Equal(delivery.EventId.ToString(), r.Header("X-Event-Id"));
            Assert.Equal("referral.requested", r.Header("X-Event-Type"));
            using var body = JsonDocument.Parse(r.Body);
            Assert.Equal(referral, body.RootElement.GetProperty("referralId").GetGuid());
            Assert.Equal(delivery.EventId, body.RootElement.GetProperty("id").GetGuid());
        });

        // Nothing of this referral went to the other organisation's subscription, and its log is not ours to see.
        Assert.DoesNotContain(receiver.Requests, r => r.Path == "/others");
        var othersId = (await others.Content.ReadFromJsonAsync<SubscriptionItem>())!.Id;
        Assert.Empty((await otherClient.GetFromJsonAsync<List<DeliveryItem>>($"/api/subscriptions/{othersId}/deliveries"))!);
        Assert.Equal(HttpStatusCode.NotFound, (await otherClient.GetAsync($"/api/subscriptions/{subscription.Id}/deliveries")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherClient.DeleteAsync($"/api/subscriptions/{subscription.Id}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await gpClient.DeleteAsync($"/api/subscriptions/{subscription.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gpClient.GetAsync($"/api/subscriptions/{subscription.Id}/deliveries")).StatusCode);
        Assert.Empty((await gpClient.GetFromJsonAsync<List<SubscriptionItem>>("/api/subscriptions"))!);
    }

    [Fact]
    public async Task Invalid_subscriptions_are_422_problems()
    {
        var client = ClientFor(Guid.NewGuid(), OrganisationKind.SocialCare);
        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { url = "ftp://partner.example.org/hook", secret = "0123456789abcdef" }, "url"),
            (new { url = "", secret = "0123456789abcdef" }, "url"),
            (new { url = "https://partner.example.org/hook", secret = "short" }, "secret"),
            (new { url = "https://partner.example.org/hook", secret = (string?)null }, "secret"),
            (new { url = "https://partner.example.org/hook", eventTypes = new[] { "referral.exploded" }, secret = "0123456789abcdef" }, "eventTypes"),
        })
        {
            var response = await client.PostAsJsonAsync("/api/subscriptions", body);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error for {field}");
        }

        var filtered = await client.PostAsJsonAsync("/api/subscriptions",
            new { url = "https://partner.example.org/hook", eventTypes = new[] { "referral.completed", "onward-referral.cancelled" }, secret = "0123456789abcdef" });
        Assert.Equal(HttpStatusCode.Created, filtered.StatusCode);
        Assert.Equal(["referral.completed", "onward-referral.cancelled"], (await filtered.Content.ReadFromJsonAsync<SubscriptionItem>())!.EventTypes);
    }

    /// <summary>The referral service alone, on a database and a broker of its own, fed by a bus of the test's.</summary>
    private sealed class IsolatedReferralService : IAsyncDisposable
    {
        private readonly RealInfrastructure infrastructure;
        private readonly string dataDirectory;
        private RabbitMqBroker? broker;
        private IBusControl? bus;
        private WebApplicationFactory<ReferralNetwork.Referrals.Referrals.ReferralEvents>? host;

        private IsolatedReferralService(RealInfrastructure infrastructure, string dataDirectory)
        {
            this.infrastructure = infrastructure;
            this.dataDirectory = dataDirectory;
        }

        public static async Task<IsolatedReferralService> StartAsync(RealInfrastructure infrastructure)
        {
            var name = "feed" + Guid.NewGuid().ToString("N")[..8];
            var service = new IsolatedReferralService(infrastructure, Path.Combine("/var/tmp/referral-network-tests", name));
            try
            {
                service.broker = await RabbitMqBroker.StartAsync(Path.Combine(service.dataDirectory, "rabbitmq"), LoopbackPorts.FindFree());
                var database = "referralsdb_" + name;
                await infrastructure.Postgres.EnsureDatabaseAsync(database);
                service.host = infrastructure.Referrals.WithWebHostBuilder(b => b
                    .UseSetting("ConnectionStrings:referralsdb", infrastructure.Postgres.ConnectionString(database))
                    .UseSetting("ConnectionStrings:rabbitmq", service.broker.ConnectionString));
                _ = service.host.Server;

                service.bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(new Uri(service.broker.ConnectionString)));
                await service.bus.StartAsync();
                return service;
            }
            catch
            {
                await service.DisposeAsync();
                throw;
            }
        }

        public HttpClient ClientFor(Guid organisation, OrganisationKind kind, string area)
        {
            var client = host!.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, kind, area, "Riverside Surgery"));
            return client;
        }

        public Task PublishAsync<T>(T message) where T : class => bus!.Publish(message, ctx => ctx.MessageId = Guid.NewGuid());

        public async ValueTask DisposeAsync()
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }

            if (bus is not null)
            {
                await bus.StopAsync();
            }

            if (broker is not null)
            {
                await broker.DisposeAsync();
            }

            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover folder under /var/tmp is harmless.
            }
        }
    }

    private sealed record FeedItem(Guid Id, string Type, Guid ReferralId, DateTimeOffset At, JsonElement Data);

    private sealed record Page(List<FeedItem> Events, string Next);

    private sealed record SubscriptionItem(Guid Id, string Url, List<string> EventTypes, DateTimeOffset CreatedAt);

    private sealed record AttemptItem(DateTimeOffset At, int? StatusCode, string? Error, long DurationMs);

    private sealed record DeliveryItem(Guid EventId, string EventType, string Status, List<AttemptItem> Attempts, DateTimeOffset? NextAttemptAt);
}
