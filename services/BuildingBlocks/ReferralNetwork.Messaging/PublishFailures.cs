using System.Text.Json;
using RabbitMQ.Client.Exceptions;

namespace ReferralNetwork.Messaging;

/// <summary>An event the relay could not publish after repeated attempts: kept, counted and shown, while the events after it go on.</summary>
public sealed record UnpublishedEvent(Guid Id, long Sequence, string EventType, string MessageType, string Error, int Attempts, DateTimeOffset At);

/// <summary>Why a publish failed, as far as the relay decides what to do next.</summary>
public static class PublishFailures
{
    private const int AccessRefused = 403;

    /// <summary>
    /// Whether the failure is this event's own, so that trying other events would go better: the broker
    /// refusing its message type (ACCESS_REFUSED), or a message that cannot be serialised. Anything else
    /// (the broker away, a connection lost or closing, no answer or confirmation in time, no queue bound
    /// yet) would fail every event alike, so the relay waits and tries the same one again for as long as
    /// it takes: when in doubt, an outage, since setting an event aside means its consumers never hear of it.
    /// </summary>
    public static bool IsTheEventsOwn(Exception exception) => exception switch
    {
        OperationInterruptedException { ShutdownReason.ReplyCode: AccessRefused } => true,
        JsonException or NotSupportedException => true,
        { InnerException: { } inner } => IsTheEventsOwn(inner),
        _ => false,
    };
}
