using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Options;
using ReferralNetwork.Referrals.Feed;
using ReferralNetwork.ServiceDefaults;

namespace ReferralNetwork.Referrals.Webhooks;

/// <summary>
/// Sends due webhook deliveries: a few at a time, each attempt bounded, every outcome recorded on the
/// delivery before the next is due. Nothing is held in memory between polls, so a restart resumes.
/// </summary>
public sealed class WebhookDispatcher(
    IDocumentStore store,
    IHttpClientFactory httpClients,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    IMeterFactory meters,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string ClientName = "webhooks";
    public const string DeliveryFailures = "referral_network.webhooks.delivery_failures";
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    private const int BatchSize = 8;

    private readonly Counter<long> deliveryFailures = meters.Create(Telemetry.SourceName).CreateCounter<long>(
        DeliveryFailures, "{attempt}", "Failed webhook delivery attempts, by reason (each retry that fails counts).");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                sent = await DispatchDueAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be briefly away; the deliveries wait there for the next poll.
                logger.LogWarning(ex, "Dispatching webhook deliveries failed; trying again at the next poll");
            }

            // A full batch suggests more are due: go again without waiting.
            if (sent < BatchSize)
            {
                try
                {
                    await Task.Delay(options.Value.PollEvery, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<int> DispatchDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        IReadOnlyList<WebhookDelivery> due;
        await using (var query = store.QuerySession())
        {
            due = await query.Query<WebhookDelivery>()
                .Where(d => d.Status == DeliveryStatus.Pending && d.DueAt <= now)
                .OrderBy(d => d.DueAt)
                .Take(BatchSize)
                .ToListAsync(ct);
        }

        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
            async (delivery, token) => await AttemptAsync(delivery, token));
        return due.Count;
    }

    private async Task AttemptAsync(WebhookDelivery delivery, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var subscription = await session.LoadAsync<WebhookSubscription>(delivery.SubscriptionId, ct);
        if (subscription is null || subscription.Feed != delivery.Feed)
        {
            // The subscription was deleted: its deliveries go with it.
            session.Delete(delivery);
            await session.SaveChangesAsync(ct);
            return;
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
    }

    /// <summary>The attempt as recorded, and why it failed as a metric attribute (null when delivered).</summary>
    private async Task<(DeliveryAttempt Attempt, string? Failure)> SendAsync(WebhookSubscription subscription, FeedEvent feedEvent, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(feedEvent, FeedJson.Options);
        var at = clock.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        long Elapsed() => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(AttemptTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Add("X-Event-Id", feedEvent.Id.ToString());
            request.Headers.Add("X-Event-Type", feedEvent.Type);
            request.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Compute(subscription.Secret, body));

            using var response = await httpClients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            var attempt = new DeliveryAttempt(at, status, response.IsSuccessStatusCode ? null : $"The receiver answered {status}.", Elapsed());
            return (attempt, attempt.Succeeded ? null : DeliveryFailureReasons.ForStatus(status));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (new DeliveryAttempt(at, null, $"No answer within {AttemptTimeout.TotalSeconds:0} s.", Elapsed()), DeliveryFailureReasons.Timeout);
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

    /// <summary>"status-4xx", "status-5xx"; "status-3xx" too, since redirects are not followed.</summary>
    public static string ForStatus(int statusCode) => $"status-{statusCode / 100}xx";
}

public static class WebhookDispatchExtensions
{
    public static IServiceCollection AddWebhookDispatch(this IServiceCollection services)
    {
        services.AddWebhookOptions();
        services.AddHttpClient(WebhookDispatcher.ClientName)
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var handler = new SocketsHttpHandler
                {
                    // A redirect could lead anywhere, including inside; a 3xx counts as a failed attempt.
                    AllowAutoRedirect = false,
                    // A proxy would hide the address actually reached from the check below.
                    UseProxy = false,
                };
                if (!provider.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateAddresses)
                {
                    handler.ConnectCallback = WebhookAddress.ConnectToPublicAddressAsync;
                }

                return handler;
            })
            .RedactLoggedHeaders([WebhookSignature.HeaderName]);
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
            .ValidateOnStart();
        return services;
    }
}
