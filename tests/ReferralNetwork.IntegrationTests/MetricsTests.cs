using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.Messaging;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.Referrals.Referrals.Updates;
using ReferralNetwork.Referrals.Webhooks;
using LinkWorkerEvents = ReferralNetwork.Contracts.LinkWorkers;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// The journey metrics as the referral service records them, on real PostgreSQL and RabbitMQ. Labels
/// carry no ids, so each measurement is tied to this test's own actions by the trace it was recorded
/// in: every request and message here starts a trace of its own.
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public sealed class MetricsTests(RealInfrastructure infrastructure)
{
    // Its own area, so the link-worker service in the fixture never routes this referral itself.
    private readonly string area = "metrics-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_submission_counts_once_however_often_it_is_replayed_and_its_acceptance_records_the_change_and_the_wait()
    {
        using var log = new MeasurementLog(infrastructure.Referrals.Services.GetRequiredService<IMeterFactory>());
        var gp = ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice);
        var key = Guid.NewGuid().ToString("N");

        var (submitted, submitTrace) = await SubmitAsync(gp, key);
        var (replayed, replayTrace) = await SubmitAsync(gp, key);
        var id = submitted.GetProperty("id").GetGuid();
        Assert.Equal(id, replayed.GetProperty("id").GetGuid());

        // Exact, not "at least": nothing but a request submits referrals, and this collection's tests run one at a time.
        var counted = Assert.Single(log.Of(JourneyMetrics.Submitted));
        Assert.Equal(1, counted.Value);
        Assert.Equal("gp", counted.Tag("pathway"));
        Assert.Equal(submitTrace, counted.Trace);
        Assert.Equal([("none", "requested")], log.Of(JourneyMetrics.StatusChanges).Where(m => m.Trace == submitTrace).Select(Move));
        Assert.DoesNotContain(log.InTrace(replayTrace), m => m.Instrument.StartsWith("referral_network.", StringComparison.Ordinal));

        // A wait that no other acceptance in this process can have: to the tick, from the stored creation time.
        var createdAt = submitted.GetProperty("createdAt").GetDateTimeOffset();
        var acceptedAt = createdAt + TimeSpan.FromSeconds(2) + TimeSpan.FromTicks(Random.Shared.NextInt64(1, TimeSpan.TicksPerSecond));
        var service = Guid.NewGuid();
        await infrastructure.PublishAsync(new LinkWorkerEvents.ReferralRouted(id, service, "North Link Workers", createdAt), Guid.NewGuid());
        var accepted = new LinkWorkerEvents.ReferralAccepted(id, service, Guid.NewGuid(), "Sam Jones", acceptedAt);
        var acceptedMessageId = Guid.NewGuid();
        var acceptTrace = await PublishInTraceAsync(accepted, acceptedMessageId);
        await Eventually.GetAsync(() => log.Of(JourneyMetrics.TimeToAcceptance).FirstOrDefault(m => m.Trace == acceptTrace), "the time to acceptance", 30);
        await ConsumedAsync(log, acceptTrace);

        var wait = Assert.Single(log.Of(JourneyMetrics.TimeToAcceptance), m => m.Trace == acceptTrace);
        Assert.Equal((acceptedAt - createdAt).TotalSeconds, wait.Value, 6);
        Assert.Equal([("requested", "accepted")], log.Of(JourneyMetrics.StatusChanges).Where(m => m.Trace == acceptTrace).Select(Move));

        // Redelivered (same MessageId): the inbox drops it, so it records nothing and the wait stays counted once.
        var redeliveryTrace = await PublishInTraceAsync(accepted, acceptedMessageId);
        await ConsumedAsync(log, redeliveryTrace);
        Assert.DoesNotContain(log.InTrace(redeliveryTrace), m => m.Instrument.StartsWith("referral_network.", StringComparison.Ordinal));
        Assert.Single(log.Of(JourneyMetrics.TimeToAcceptance), m => Math.Abs(m.Value - wait.Value) < 1e-6);
        Assert.Single(log.Of(JourneyMetrics.Submitted));

        // ASP.NET Core's request duration flows, with the minimal API's route (no ids) as an attribute.
        await Eventually.GetAsync(
            () => log.Of("http.server.request.duration").FirstOrDefault(m => m.Tag("http.route") == "/api/referrals/" && m.Tag("http.request.method") == "POST"),
            "a request duration for POST /api/referrals/", 10);
    }

    [Fact]
    public async Task A_webhook_receiver_that_hangs_up_counts_a_delivery_failure_by_reason_only()
    {
        using var log = new MeasurementLog(infrastructure.Referrals.Services.GetRequiredService<IMeterFactory>());
        // A receiver of the test's own that closes every connection unanswered: always "connection", never another server's answer.
        using var receiver = new TcpListener(IPAddress.Loopback, 0);
        receiver.Start();
        using var stop = new CancellationTokenSource();
        var hangingUp = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var connection = await receiver.AcceptTcpClientAsync(stop.Token);
            }
        });

        var gp = ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice);
        var created = await gp.PostAsJsonAsync("/api/subscriptions", new
        {
            url = $"http://127.0.0.1:{((IPEndPoint)receiver.LocalEndpoint).Port}/hook",
            eventTypes = Array.Empty<string>(),
            secret = "metrics-test-secret-0123456789",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var subscription = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        try
        {
            await SubmitAsync(gp, Guid.NewGuid().ToString("N"));

            var failure = await Eventually.GetAsync(
                () => log.Of(WebhookDispatcher.DeliveryFailures).FirstOrDefault(m => m.Tag("reason") == DeliveryFailureReasons.Connection),
                "a failed delivery counted", 30);
            Assert.Equal(1, failure.Value);
            Assert.Equal(["reason"], failure.Tags.Keys);
        }
        finally
        {
            // Its deliveries go with it, so they stop retrying after this test.
            await gp.DeleteAsync($"/api/subscriptions/{subscription}");
            await stop.CancelAsync();
            try
            {
                await hangingUp;
            }
            catch (OperationCanceledException)
            {
                // Stopped while waiting for the next connection.
            }
        }
    }

    [Fact]
    public async Task Every_service_reports_its_database_broker_and_subscriptions_with_their_lag()
    {
        string[] common = ["background-work", "broker", "database", "relay", "self", "subscriptions"];
        // The services that send something whose arrival they hear back about check it arrived.
        string[] reconciling = [.. common, "reconciliation"];
        var services = new (string Name, Func<HttpClient> Client, string[] Subscriptions, string[] Checks)[]
        {
            ("referrals", () => infrastructure.Referrals.CreateClient(), ["integration-event-relay", "partner-feed"], reconciling),
            ("linkworkers", () => infrastructure.LinkWorkers.CreateClient(), ["integration-event-relay"], reconciling),
            ("communityproviders", () => infrastructure.CommunityProviders.CreateClient(), ["integration-event-relay"], common),
            ("feedback", () => infrastructure.Feedback.CreateClient(), ["integration-event-relay"], common),
        };

        foreach (var (name, client, subscriptions, expectedChecks) in services)
        {
            // The first reading of subscription progress follows the start by a moment.
            HttpStatusCode status = default;
            var text = await Eventually.GetAsync(async () =>
            {
                using var answer = await client().GetAsync("/health");
                status = answer.StatusCode;
                var body = await answer.Content.ReadAsStringAsync();
                return body.Contains("\"highestSequence\"", StringComparison.Ordinal) ? body : null;
            }, $"{name} reading its subscriptions", 20);
            var checks = JsonDocument.Parse(text).RootElement.GetProperty("checks");

            Assert.True(status == HttpStatusCode.OK, $"{name}: {(int)status} {text}");
            Assert.Equal(expectedChecks.Order(), checks.EnumerateObject().Select(c => c.Name).Order());
            Assert.Equal("healthy", checks.GetProperty("database").GetProperty("status").GetString());
            Assert.Equal("healthy", checks.GetProperty("broker").GetProperty("status").GetString());
            // One instance per service here (mode All): it does the background work.
            Assert.True(checks.GetProperty("background-work").GetProperty("data").GetProperty("leading").GetBoolean(), name);
            Assert.NotEmpty(checks.GetProperty("broker").GetProperty("data").GetProperty("queues").EnumerateObject());

            var lag = checks.GetProperty("subscriptions").GetProperty("data");
            Assert.True(lag.GetProperty("highestSequence").GetInt64() >= 0, name);
            foreach (var subscription in subscriptions)
            {
                var entry = lag.GetProperty("subscriptions").GetProperty(subscription);
                Assert.True(entry.GetProperty("lag").GetInt64() >= 0, $"{name} {subscription}");
                Assert.True(entry.GetProperty("progress").GetInt64() >= 0, $"{name} {subscription}");
            }

            // Readable by anyone: no broker address, and no machine name (MassTransit names its reply queue after it).
            Assert.DoesNotContain("rabbitmq://", text);
            Assert.DoesNotContain(Environment.MachineName, text, StringComparison.OrdinalIgnoreCase);
        }

        var referralQueues = (await ChecksOfAsync(infrastructure.Referrals.CreateClient())).GetProperty("broker").GetProperty("data").GetProperty("queues");
        Assert.Equal("healthy", referralQueues.GetProperty("referrals-referral-updates").GetString());
    }

    [Fact]
    public async Task The_subscription_lag_gauge_reports_each_subscription_of_the_service()
    {
        using var log = new MeasurementLog(infrastructure.Referrals.Services.GetRequiredService<IMeterFactory>());
        var watcher = infrastructure.Referrals.Services.GetRequiredService<SubscriptionLagWatcher>();
        await Eventually.GetAsync(() => watcher.Latest, "a first reading of subscription progress", 20);

        log.Observe();

        var lags = log.Of(SubscriptionLagWatcher.GaugeName).ToList();
        Assert.Equal(["integration-event-relay", "partner-feed"], lags.Select(m => m.Tag("subscription")).Order());
        Assert.All(lags, m => Assert.True(m.Value >= 0));
    }

    private HttpClient ClientFor(Guid organisation, OrganisationKind kind)
    {
        var client = infrastructure.Referrals.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation, kind, area, "Riverside Surgery"));
        return client;
    }

    private static async Task<(JsonElement Referral, ActivityTraceId Trace)> SubmitAsync(HttpClient client, string idempotencyKey)
    {
        var trace = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/referrals") { Content = JsonContent.Create(ReferralServiceTests.ReferralBody()) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {text}");
        return (JsonDocument.Parse(text).RootElement.Clone(), trace);
    }

    /// <summary>Publishes as another service's relay would, in a trace of its own (sampled, so the trace travels with the message).</summary>
    private async Task<ActivityTraceId> PublishInTraceAsync<T>(T message, Guid messageId) where T : class
    {
        using var activity = new Activity("metrics-test publish");
        activity.SetParentId(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        activity.Start();
        await infrastructure.PublishAsync(message, messageId);
        return activity.TraceId;
    }

    /// <summary>
    /// Waits for MassTransit's own receive measurement in the trace: recorded once the whole receive
    /// pipeline has finished, so after the inbox's save and whatever that save recorded, and also for a
    /// redelivery the inbox skips. The queue tells it apart from the other services' receipts of the same event.
    /// </summary>
    private static Task ConsumedAsync(MeasurementLog log, ActivityTraceId trace) =>
        Eventually.GetAsync(
            () => log.InTrace(trace).FirstOrDefault(m => m.Instrument == "messaging.masstransit.receive"
                && m.Tag("messaging.masstransit.destination") == "referrals-referral-updates"),
            "the referral service receiving the acceptance", 30);

    private static async Task<JsonElement> ChecksOfAsync(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync("/health")).RootElement.GetProperty("checks").Clone();

    private static (string?, string?) Move(Measured m) => (m.Tag("from"), m.Tag("to"));
}

/// <summary>One measurement, with the trace it was recorded in.</summary>
internal sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, string?> Tags, ActivityTraceId? Trace)
{
    public string? Tag(string name) => Tags.GetValueOrDefault(name);
}

/// <summary>
/// Listens, from its creation, to one service host's own meters (scoped to that host's IMeterFactory, so
/// the other services in this process do not count) and to MassTransit's (one static meter per process).
/// </summary>
internal sealed class MeasurementLog : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<Measured> measured = new();

    public MeasurementLog(IMeterFactory host)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == host || instrument.Meter.Name == "MassTransit")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
        listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i, value, tags));
        listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Add(i, value, tags));
        listener.Start();
    }

    /// <summary>Collects the observable instruments (gauges) once.</summary>
    public void Observe() => listener.RecordObservableInstruments();

    public IEnumerable<Measured> Of(string instrument) => measured.Where(m => m.Instrument == instrument);

    public IEnumerable<Measured> InTrace(ActivityTraceId trace) => measured.Where(m => m.Trace == trace);

    public void Dispose() => listener.Dispose();

    // Runs on the recording thread, so Activity.Current is the request's or the consumer's.
    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copied = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copied[tag.Key] = tag.Value?.ToString();
        }

        measured.Enqueue(new Measured(instrument.Name, value, copied, Activity.Current?.TraceId));
    }
}
