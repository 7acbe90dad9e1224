using MassTransit;
using RabbitMQ.Client.Exceptions;

namespace ReferralNetwork.Messaging;

/// <summary>An event the relay could not publish after repeated attempts: kept, counted and shown, while the events after it go on.</summary>
public sealed record UnpublishedEvent(Guid Id, long Sequence, string EventType, string MessageType, string Error, int Attempts, DateTimeOffset At);

/// <summary>Why a publish failed, as far as the relay decides what to do next.</summary>
public static class PublishFailures
{
    private const int AccessRefused = 403;

    /// <summary>
    /// The broker is away or not ready for the message (unreachable, connection lost, no answer in time,
    /// no confirmation, or no queue bound yet, so the message came back): every event would fail alike, so the relay waits
    /// and tries the same event again, however long it takes. Anything else (the broker refusing this
    /// message type, a message that cannot be built or serialised) is the event's own problem.
    /// </summary>
    public static bool IsOutage(Exception exception) => exception switch
    {
        OperationInterruptedException { ShutdownReason.ReplyCode: AccessRefused } => false,
        MessageReturnedException or TimeoutException or OperationCanceledException => true,
        RabbitMqConnectionException or BrokerUnreachableException or OperationInterruptedException or ConnectFailureException => true,
        RabbitMQ.Client.Exceptions.PublishException or System.Net.Sockets.SocketException or IOException => true,
        { InnerException: { } inner } => IsOutage(inner),
        _ => false,
    };
}
