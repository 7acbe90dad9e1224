using ReferralNetwork.EventSourcing;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Options;
using ReferralNetwork.Referrals.Feed;
using ReferralNetwork.ServiceDefaults;

namespace ReferralNetwork.Referrals.Webhooks;

/// <summary>
/// Sends due webhook deliveries in lanes, one per subscription: a lane sends its subscription's due
/// deliveries one after another, while up to <see cref="WebhookOptions.MaxConcurrentSubscriptions"/>
/// lanes run side by side and polling carries on meanwhile, so a slow or dead receiver holds up only its
/// own subscription. Every outcome is recorded on the delivery, and which lanes run is the only state in
/// memory, so a restart resumes.
/// </summary>
public sealed class WebhookDispatcher(
    IDocumentStore store,
    IHttpClientFactory httpClients,
    WebhookSecrets secrets,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    IMeterFactory meters,
    ILogger<WebhookDispatcher> logger,
    IBackgroundWork work) : BackgroundService
{
    public const string ClientName = "webhooks";
    public const string DeliveryFailures = "referral_network.webhooks.delivery_failures";

    /// <summary>Deliveries a lane sends before it makes way, so polling sees other subscriptions' too.</summary>
    private const int PerLane = 20;

    private readonly Counter<long> deliveryFailures = meters.Create(Telemetry.SourceName).CreateCounter<long>(
        DeliveryFailures, "{attempt}", "Failed webhook delivery attempts, by reason (each retry that fails counts).");

    private readonly ConcurrentDictionary<Guid, Task> lanes = new();
    private bool secretsMigrated;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Once per service: only the instance that does its background work delivers (lanes already
                // sending finish their batch, so after a change of leader a delivery may go twice, as any retry can).
                if (!work.IsMine)
                {
                    await Task.Delay(options.Value.PollEvery, clock, stoppingToken);
                    continue;
                }

                if (!secretsMigrated)
                {
                    await MigrateClearSecretsAsync(stoppingToken);
                    secretsMigrated = true;
                }

                await StartDueLanesAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be briefly away; the deliveries wait there for the next poll.
                logger.LogWarning(ex, "Dispatching webhook deliveries failed; trying again at the next poll");
            }

            try
            {
                await Task.Delay(options.Value.PollEvery, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(lanes.Values);
    }

    /// <summary>Encrypts the secrets of subscriptions stored before secrets were encrypted.</summary>
    private async Task MigrateClearSecretsAsync(CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var clear = await session.Query<WebhookSubscription>().Where(s => s.ProtectedSecret == null).ToListAsync(ct);
        foreach (var subscription in clear)
        {
            if (secrets.Migrate(subscription) is { } migrated)
            {
                session.Store(migrated);
            }
        }

        if (clear.Count > 0)
        {
            await session.SaveChangesAsync(ct);
            logger.LogInformation("Encrypted the webhook secrets of {Count} subscriptions stored in clear", clear.Count);
        }
    }

    /// <summary>Starts a lane for each subscription with due deliveries and none running, as far as there is room.</summary>
    private async Task StartDueLanesAsync(CancellationToken ct)
    {
        var room = options.Value.MaxConcurrentSubscriptions - lanes.Count;
        if (room <= 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var busy = lanes.Keys.ToArray();
        IReadOnlyList<WebhookDelivery> due;
        await using (var query = store.QuerySession())
        {
            due = await query.Query<WebhookDelivery>()
                .Where(d => d.Status == DeliveryStatus.Pending && d.DueAt <= now && !busy.Contains(d.SubscriptionId))
                .OrderBy(d => d.DueAt)
                .Take(room * PerLane)
                .ToListAsync(ct);
        }

        foreach (var group in due.GroupBy(d => d.SubscriptionId).Take(room))
        {
            // The lane removes itself when done, so it must be in the dictionary before it can finish.
            var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lanes[group.Key] = RunLaneAsync(group.Key, group.OrderBy(d => d.Position).Take(PerLane).ToList(), registered.Task, ct);
            registered.SetResult();
        }
    }

    private async Task RunLaneAsync(Guid subscriptionId, IReadOnlyList<WebhookDelivery> deliveries, Task registered, CancellationToken ct)
    {
        await registered;
        try
        {
            foreach (var delivery in deliveries)
            {
                // After a failure the rest wait for the next poll rather than each waiting out a dead receiver.
                if (!await AttemptAsync(delivery, ct))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Webhook deliveries to subscription {SubscriptionId} stopped; trying again at the next poll", subscriptionId);
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            // Stopping: the deliveries stay due in the database.
        }
        finally
        {
            lanes.TryRemove(subscriptionId, out _);
        }
    }

    /// <summary>Makes one attempt and records it; false when it failed.</summary>
    private async Task<bool> AttemptAsync(WebhookDelivery due, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        // Loaded again in this session so that recording the attempt cannot overwrite a concurrent erasure
        // (the delivery is versioned): the erasure wins and this attempt is recorded at the next poll.
        if (await session.LoadAsync<WebhookDelivery>(due.Id, ct) is not { Status: DeliveryStatus.Pending } delivery)
        {
            return true;
        }

        var subscription = await session.LoadAsync<WebhookSubscription>(delivery.SubscriptionId, ct);
        if (subscription is null || subscription.Feed != delivery.Feed)
        {
            // The subscription was deleted: its deliveries go with it.
            session.Delete(delivery);
            await session.SaveChangesAsync(ct);
            return true;
        }

        // Decrypt-or-migrate: a secret still in clear (stored before encryption) is encrypted as it is used.
        if (secrets.Migrate(subscription) is { } migrated)
        {
            session.Store(migrated);
        }

        var (attempt, failure) = await SendAsync(subscription, delivery.Event, ct);
        if (failure is not null)
        {
            // Counted as made, whether or not recording it below succeeds: the receiver saw it fail.
            deliveryFailures.Add(1, new KeyValuePair<string, object?>("reason", failure));
        }

        delivery.Record(attempt, options.Value.Schedule, clock.GetUtcNow());
        session.Store(delivery);
        await session.SaveChangesAsync(ct);

        if (!attempt.Succeeded)
        {
            logger.LogInformation("Webhook delivery of {EventType} event {EventId} to subscription {SubscriptionId} failed ({Error}); now {Status}",
                delivery.Event.Type, delivery.Event.Id, subscription.Id, attempt.Error, delivery.Status);
        }

        return attempt.Succeeded;
    }

    /// <summary>The attempt as recorded, and why it failed as a metric attribute (null when delivered).</summary>
    private async Task<(DeliveryAttempt Attempt, string? Failure)> SendAsync(WebhookSubscription subscription, FeedEvent feedEvent, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(feedEvent, FeedJson.Options);
        var at = clock.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        long Elapsed() => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        // Checked again here: the rules may have tightened since the subscription was made (https only).
        if (WebhookAddress.Refusal(subscription.Url, options.Value.AllowLoopbackReceivers) is { } refusal)
        {
            return (new DeliveryAttempt(at, null, refusal, Elapsed()), DeliveryFailureReasons.AddressRefused);
        }

        string secret;
        try
        {
            secret = secrets.Reveal(subscription);
        }
        catch (CryptographicException)
        {
            // The key ring lost the key: recorded like any failure, so the partner sees it and can re-subscribe.
            return (new DeliveryAttempt(at, null, "The subscription's secret can no longer be read; subscribe again.", Elapsed()),
                DeliveryFailureReasons.SecretUnavailable);
        }

        var attemptTimeout = options.Value.AttemptTimeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(attemptTimeout);
        try
        {
            var timestamp = at.ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Add("X-Event-Id", feedEvent.Id.ToString());
            request.Headers.Add("X-Event-Type", feedEvent.Type);
            request.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Compute(secret, body));
            request.Headers.Add(WebhookSignature.TimestampHeaderName, timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(WebhookSignature.V2HeaderName, WebhookSignature.ComputeV2(secret, timestamp, body));

            using var response = await httpClients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            var attempt = new DeliveryAttempt(at, status, response.IsSuccessStatusCode ? null : $"The receiver answered {status}.", Elapsed());
            return (attempt, attempt.Succeeded ? null : DeliveryFailureReasons.ForStatus(status));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (new DeliveryAttempt(at, null, $"No answer within {attemptTimeout.TotalSeconds:0} s.", Elapsed()), DeliveryFailureReasons.Timeout);
        }
        catch (HttpRequestException ex)
        {
            var refused = ex.InnerException as WebhookAddressRefusedException ?? ex.InnerException?.InnerException as WebhookAddressRefusedException;
            return (new DeliveryAttempt(at, null, refused?.Message ?? $"Could not reach the receiver ({ex.HttpRequestError}).", Elapsed()),
                refused is null ? DeliveryFailureReasons.Connection : DeliveryFailureReasons.AddressRefused);
        }
    }
}

/// <summary>Why a delivery attempt failed, as the delivery_failures counter's reason attribute.</summary>
public static class DeliveryFailureReasons
{
    public const string Timeout = "timeout";

    /// <summary>The receiver could not be reached (DNS, refused connection, TLS, reset).</summary>
    public const string Connection = "connection";

    /// <summary>The address resolved to a private or loopback address, which webhooks may not call.</summary>
    public const string AddressRefused = "address-refused";

    /// <summary>The subscription's secret could not be decrypted (its Data Protection key is gone).</summary>
    public const string SecretUnavailable = "secret-unavailable";

    /// <summary>"status-4xx", "status-5xx"; "status-3xx" too, since redirects are not followed.</summary>
    public static string ForStatus(int statusCode) => $"status-{statusCode / 100}xx";
}

public static class WebhookDispatchExtensions
{
    public static IServiceCollection AddWebhookDispatch(this IServiceCollection services)
    {
        services.AddWebhookOptions();
        services.AddWebhookSecrets();
        services.AddHttpClient(WebhookDispatcher.ClientName)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                // A redirect could lead anywhere, including inside; a 3xx counts as a failed attempt.
                AllowAutoRedirect = false,
                // A proxy would hide the address actually reached from the check below.
                UseProxy = false,
                // Every connection, whatever the environment, goes through the address check.
                ConnectCallback = WebhookAddress.ConnectCallback(provider.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowLoopbackReceivers),
            })
            .RedactLoggedHeaders([WebhookSignature.HeaderName, WebhookSignature.V2HeaderName]);
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }

    /// <summary>Binds section "Webhooks"; a bad value stops the service at start, naming the setting.</summary>
    public static IServiceCollection AddWebhookOptions(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.Section)
            .Validate(o => o.FirstRetryAfter > TimeSpan.Zero, "Webhooks:FirstRetryAfter must be a positive time span.")
            .Validate(o => o.MaxAttempts is >= 1 and <= 100, "Webhooks:MaxAttempts must be between 1 and 100.")
            .Validate(o => o.PollEvery > TimeSpan.Zero, "Webhooks:PollEvery must be a positive time span.")
            .Validate(o => o.AttemptTimeout >= TimeSpan.FromSeconds(1) && o.AttemptTimeout <= TimeSpan.FromSeconds(60),
                "Webhooks:AttemptTimeout must be between 1 and 60 seconds.")
            .Validate(o => o.MaxConcurrentSubscriptions is >= 1 and <= 256, "Webhooks:MaxConcurrentSubscriptions must be between 1 and 256.")
            .ValidateOnStart();
        return services;
    }
}
