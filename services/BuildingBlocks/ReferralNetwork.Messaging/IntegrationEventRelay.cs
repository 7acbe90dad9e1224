using System.Diagnostics;
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

    public IntegrationEventRelay(IBus bus, IIntegrationEventMap map, ILogger<IntegrationEventRelay> logger, IOptions<RelayOptions> options)
    {
        this.bus = bus;
        this.map = map;
        this.logger = logger;
        this.options = options.Value;
        Name = "integration-event-relay";
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        foreach (var @event in page.Events)
        {
            var message = map.ToIntegrationEvent(@event);
            if (message is null)
            {
                continue;
            }

            await PublishUntilAcceptedAsync(@event, message, cancellationToken);
        }

        return NullChangeListener.Instance;
    }

    private async Task PublishUntilAcceptedAsync(IEvent @event, object message, CancellationToken cancellationToken)
    {
        var delay = options.FirstRetryAfter;
        for (var attempt = 1; ; attempt++)
        {
            using var activity = StartPublishActivity(@event, message);
            try
            {
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
                }, timeout.Token);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
                logger.LogWarning(ex, "Publishing {MessageType} for event {EventId} failed (attempt {Attempt}); retrying in {Delay}",
                    message.GetType().Name, @event.Id, attempt, delay);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, options.LongestRetryAfter.TotalMilliseconds));
            }
        }
    }

    private static Activity? StartPublishActivity(IEvent @event, object message)
    {
        ActivityContext parent = default;
        if (@event.Headers?.TryGetValue(TracedSessionFactory.TraceParentHeader, out var traceParent) == true && traceParent is not null)
        {
            var traceState = @event.Headers.TryGetValue("tracestate", out var state) ? state?.ToString() : null;
            ActivityContext.TryParse(traceParent.ToString(), traceState, out parent);
        }

        var activity = Source.StartActivity($"relay {message.GetType().Name}", ActivityKind.Producer, parent);
        activity?.SetTag("event.sequence", @event.Sequence);
        activity?.SetTag("event.type", @event.EventTypeName);
        return activity;
    }
}
