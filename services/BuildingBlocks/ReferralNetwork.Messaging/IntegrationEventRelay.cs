using System.Diagnostics;
using System.Diagnostics.Metrics;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.ServiceDefaults;

namespace ReferralNetwork.Messaging;

/// <summary>Turns a service's domain events into the integration events other services consume.</summary>
public interface IIntegrationEventMap
{
    /// <summary>The integration event for <paramref name="event"/>, or null when it stays inside the service.</summary>
    object? ToIntegrationEvent(IEvent @event);
}

/// <summary>
/// The event log is the outbox: this subscription reads committed events and publishes their
/// integration events, with MessageId = the event id so a republish after a crash is recognisably
/// the same message (consumers drop it). Progress is saved after the page, so delivery is at least once.
/// While the broker is unreachable it keeps retrying the same event rather than skipping it.
/// </summary>
public sealed class IntegrationEventRelay : SubscriptionBase
{
    private static readonly ActivitySource Source = new(Telemetry.SourceName);
    private readonly IBus bus;
    private readonly IIntegrationEventMap map;
    private readonly ILogger<IntegrationEventRelay> logger;
    private readonly RelayOptions options;
    private readonly Counter<long> setAside;

    public IntegrationEventRelay(IBus bus, IIntegrationEventMap map, ILogger<IntegrationEventRelay> logger, IOptions<RelayOptions> options, IMeterFactory meters)
    {
        this.bus = bus;
        this.map = map;
        this.logger = logger;
        this.options = options.Value;
        setAside = meters.Create(Telemetry.SourceName).CreateCounter<long>(
            "referral_network.relay.events_set_aside", "{event}", "Events the relay could not publish and set aside as unpublished.");
        Name = "integration-event-relay";
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        foreach (var @event in page.Events)
        {
            await PublishUntilAcceptedAsync(@event, operations, cancellationToken);
        }

        return NullChangeListener.Instance;
    }

    /// <summary>
    /// Publishes the event's integration event, if it has one. Through an outage it tries again for as long
    /// as it takes, so nothing is skipped; a failure of this event alone (a message the broker refuses, or
    /// one that cannot be built) is tried <see cref="RelayOptions.AttemptsBeforeSettingAside"/> times, then
    /// set aside as an <see cref="UnpublishedEvent"/> in the same transaction as the relay's progress, so
    /// one bad event does not stop every other event of the service.
    /// </summary>
    private async Task PublishUntilAcceptedAsync(IEvent @event, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var delay = options.FirstRetryAfter;
        for (var attempt = 1; ; attempt++)
        {
            object? message = null;
            using var activity = Source.StartActivity($"relay {@event.EventTypeName}", ActivityKind.Producer, ParentOf(@event));
            activity?.SetTag("event.sequence", @event.Sequence);
            activity?.SetTag("event.type", @event.EventTypeName);
            try
            {
                message = map.ToIntegrationEvent(@event);
                if (message is null)
                {
                    return;
                }

                // Bounded: a paused broker must not hang the relay forever (MassTransit#5068).
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.PublishTimeout);
                await bus.Publish(message, message.GetType(), ctx =>
                {
                    ctx.MessageId = @event.Id;
                    if (@event.CorrelationId is { } correlation && Guid.TryParse(correlation, out var correlationId))
                    {
                        ctx.CorrelationId = correlationId;
                    }

                    // A message no queue is bound for comes back (and is tried again) instead of being confirmed and dropped.
                    if (ctx is RabbitMqSendContext rabbit)
                    {
                        rabbit.Mandatory = true;
                    }
                }, timeout.Token);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
                var messageType = message?.GetType().Name ?? @event.EventTypeName;
                if (!PublishFailures.IsOutage(ex) && attempt >= options.AttemptsBeforeSettingAside)
                {
                    operations.Store(new UnpublishedEvent(@event.Id, @event.Sequence, @event.EventTypeName, messageType,
                        $"{ex.GetType().Name}: {ex.Message}", attempt, DateTimeOffset.UtcNow));
                    setAside.Add(1, new KeyValuePair<string, object?>("message.type", messageType));
                    logger.LogError(ex, "Publishing {MessageType} for event {EventId} (sequence {Sequence}) failed {Attempts} times; set aside as unpublished, going on with the next",
                        messageType, @event.Id, @event.Sequence, attempt);
                    return;
                }

                logger.LogWarning(ex, "Publishing {MessageType} for event {EventId} failed (attempt {Attempt}); retrying in {Delay}",
                    messageType, @event.Id, attempt, delay);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, options.LongestRetryAfter.TotalMilliseconds));
            }
        }
    }

    private static ActivityContext ParentOf(IEvent @event)
    {
        ActivityContext parent = default;
        if (@event.Headers?.TryGetValue(TracedSessionFactory.TraceParentHeader, out var traceParent) == true && traceParent is not null)
        {
            var traceState = @event.Headers.TryGetValue("tracestate", out var state) ? state?.ToString() : null;
            ActivityContext.TryParse(traceParent.ToString(), traceState, out parent);
        }

        return parent;
    }
}
