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
        // Each stream's events in their order, one confirmed before the next; the streams side by side, so a
        // page costs about one broker round trip instead of one per event. Consumers need order within a
        // referral (a stream), never across streams, which different queues would not keep anyway.
        await Task.WhenAll(page.Events.GroupBy(e => e.StreamId).Select(async stream =>
        {
            foreach (var @event in stream)
            {
                await PublishUntilAcceptedAsync(@event, operations, cancellationToken);
            }
        }));

        return NullChangeListener.Instance;
    }

    /// <summary>
    /// Publishes the event's integration event, if it has one. Through an outage it tries again for as long
    /// as it takes, so nothing is skipped; a failure of this event alone (a message the broker refuses, or
    /// one that cannot be built) is tried <see cref="RelayOptions.AttemptsBeforeSettingAside"/> times, then
    /// set aside as an <see cref="UnpublishedEvent"/> in the same transaction as the relay's progress, so
    /// one bad event does not stop every other event of the service. A map that throws sets the event aside at once.
    /// </summary>
    private async Task PublishUntilAcceptedAsync(IEvent @event, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        object? message;
        try
        {
            message = map.ToIntegrationEvent(@event);
        }
        catch (Exception ex)
        {
            // A bug in the map fails this event the same way every time.
            SetAside(@event, operations, @event.EventTypeName, ex, 1);
            return;
        }

        if (message is null)
        {
            return;
        }

        var delay = options.FirstRetryAfter;
        for (var attempt = 1; ; attempt++)
        {
            using var activity = Source.StartActivity($"relay {message.GetType().Name}", ActivityKind.Producer, ParentOf(@event));
            activity?.SetTag("event.sequence", @event.Sequence);
            activity?.SetTag("event.type", @event.EventTypeName);
            try
            {
                await PublishAsync(bus, message, @event, options.PublishTimeout, cancellationToken);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
                if (PublishFailures.IsTheEventsOwn(ex) && attempt >= options.AttemptsBeforeSettingAside)
                {
                    SetAside(@event, operations, message.GetType().Name, ex, attempt);
                    return;
                }

                logger.LogWarning(ex, "Publishing {MessageType} for event {EventId} failed (attempt {Attempt}); retrying in {Delay}",
                    message.GetType().Name, @event.Id, attempt, delay);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, options.LongestRetryAfter.TotalMilliseconds));
            }
        }
    }

    /// <summary>
    /// One publish of <paramref name="event"/>'s integration event: MessageId the event's id (consumers drop a
    /// second copy), its correlation, mandatory, and bounded by <paramref name="timeout"/>.
    /// </summary>
    internal static async Task PublishAsync(IBus bus, object message, IEvent @event, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Bounded: a paused broker must not hang the relay forever (MassTransit#5068).
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        await bus.Publish(message, message.GetType(), ctx =>
        {
            ctx.MessageId = @event.Id;
            ctx.Headers.Set(StreamOrder.Header, @event.StreamId.ToString());
            if (@event.UserName is { } person)
            {
                ctx.Headers.Set(Inbox.ActingPersonHeader, person);
            }
            if (@event.CorrelationId is { } correlation && Guid.TryParse(correlation, out var correlationId))
            {
                ctx.CorrelationId = correlationId;
            }

            // A message no queue is bound for comes back (and is tried again) instead of being confirmed and dropped.
            if (ctx is RabbitMqSendContext rabbit)
            {
                rabbit.Mandatory = true;
            }
        }, bounded.Token);
    }

    /// <summary>Stored with the relay's progress, so the event is either published or set aside, never neither.</summary>
    private void SetAside(IEvent @event, IDocumentOperations operations, string messageType, Exception ex, int attempts)
    {
        var cause = ex.GetBaseException();
        // Streams are published side by side; the page's session is not safe for concurrent use.
        lock (operations)
        {
            operations.Store(new UnpublishedEvent(@event.Id, @event.Sequence, @event.EventTypeName, messageType,
                $"{cause.GetType().Name}: {cause.Message}", attempts, DateTimeOffset.UtcNow));
        }
        setAside.Add(1, new KeyValuePair<string, object?>("message.type", messageType));
        logger.LogError(ex, "Publishing {MessageType} for event {EventId} (sequence {Sequence}) failed {Attempts} time(s); set aside as unpublished, going on with the next",
            messageType, @event.Id, @event.Sequence, attempts);
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
