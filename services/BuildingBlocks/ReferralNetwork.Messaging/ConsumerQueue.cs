using MassTransit;

namespace ReferralNetwork.Messaging;

/// <summary>
/// How every consumer's queue is declared: a quorum queue (replicated on a cluster) that one instance of the
/// service consumes at a time and that dead-letters, never drops, what could not be delivered.
/// </summary>
public static class ConsumerQueue
{
    /// <summary>
    /// Deliveries of one message before the broker gives up on it. Only a consumer that died holding it (a crash,
    /// a lost connection) counts: failures are retried in the process and then wait on the broker
    /// (<see cref="WaitingRoom"/>) as a new message. RabbitMQ 4 sets 20 on every quorum queue by default and then
    /// drops the message; declared here, 3.x and 4.x behave alike.
    /// </summary>
    public const int DeliveryLimit = 20;

    /// <summary>
    /// The queue's arguments; the AppHost's and the Kubernetes manifests' declarations must be the same, or the
    /// broker refuses the second declaration (406 inequivalent argument).
    /// </summary>
    public static Dictionary<string, object> Arguments(string queue) => new()
    {
        ["x-queue-type"] = "quorum",
        // Per-stream order holds across instances only if one of them consumes the queue at a time (StreamOrder
        // orders within a process). The others stand by and take over when its connection goes; one instance
        // handles a queue's messages with StreamOrder.Partitions at once, far beyond the network's rate.
        ["x-single-active-consumer"] = true,
        ["x-delivery-limit"] = DeliveryLimit,
        // Past the limit, into the queue's _error queue where an operator moves it back, at least once: a
        // message is kept until the dead-letter queue has confirmed it.
        ["x-dead-letter-exchange"] = ErrorQueueOf(queue),
        ["x-dead-letter-strategy"] = "at-least-once",
        // At-least-once dead-lettering requires it; no length limit is set, so nothing is ever refused for it.
        ["x-overflow"] = "reject-publish",
    };

    /// <summary>MassTransit's error queue (and its exchange) for <paramref name="queue"/>.</summary>
    public static string ErrorQueueOf(string queue) => $"{queue}_error";

    /// <summary>
    /// For the bus's error and skipped queues, which MassTransit would otherwise declare with their receive queue's
    /// arguments: a plain quorum queue, as before, so an operator can look at its messages (RabbitMQ refuses a
    /// basic.get, the management page's "Get messages", on a single-active-consumer queue) and nothing loops.
    /// </summary>
    public static void AsDeadLetterQueue(IRabbitMqQueueBindingConfigurator queue)
    {
        foreach (var key in Arguments("").Keys.Where(k => k != "x-queue-type"))
        {
            queue.SetQueueArgument(key, null!);
        }
    }

    public static void Configure(IRabbitMqReceiveEndpointConfigurator endpoint, string queue)
    {
        endpoint.SetQuorumQueue();
        endpoint.SingleActiveConsumer = true;
        foreach (var (key, value) in Arguments(queue).Where(a => a.Key is not ("x-queue-type" or "x-single-active-consumer")))
        {
            endpoint.SetQueueArgument(key, value);
        }
    }
}
