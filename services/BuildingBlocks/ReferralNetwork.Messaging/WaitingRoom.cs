using System.Diagnostics.Metrics;
using System.Globalization;
using MassTransit;
using MassTransit.RabbitMqTransport;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using ReferralNetwork.ServiceDefaults;

namespace ReferralNetwork.Messaging;

/// <summary>
/// Where a message waits when a transient failure outlasted the in-memory retries (a database restarting,
/// a run of version conflicts, an update that overtook what it depends on): instead of the queue's
/// <c>_error</c>, a copy goes to the queue's wait queue (<c>&lt;queue&gt;_wait</c>), which holds it for
/// <see cref="MessagingOptions.RedeliveryDelay"/> and then dead-letters it back into the queue, up to
/// <see cref="MessagingOptions.Redeliveries"/> times. Only then does it go to <c>_error</c>.
/// </summary>
/// <remarks>
/// RabbitMQ has no delay of its own without a plugin Debian does not ship, so the wait is a message
/// expiry. Every copy on one wait queue gets the same expiry, so the first to expire is always at the
/// head, which is the only place RabbitMQ expires messages. The copy is confirmed by the broker before the
/// original is acknowledged: a crash in between redelivers the original, which the inbox recognises
/// if the copy was handled first. The wait queue is a quorum queue that dead-letters at least once.
/// </remarks>
public sealed class WaitingRoom(MessagingOptions options, ILogger<WaitingRoom> logger, IMeterFactory meters)
{
    private readonly Counter<long> waited = meters.Create(Telemetry.SourceName).CreateCounter<long>(
        "referral_network.messages.waited", "{message}", "Messages put in a wait queue for a later redelivery after a transient failure.");

    /// <summary>
    /// How many times the message waited, a header on the AMQP message. MassTransit's own redelivery count
    /// is read from the serialized envelope, which a copy keeps unchanged.
    /// </summary>
    public const string RedeliveryHeader = "RN-Redelivery";

    /// <summary>Why the message waited: the failure's type, never its text (which may quote data).</summary>
    public const string WaitedBecauseHeader = "RN-Waited-Because";

    public static string WaitQueueOf(string queue) => queue + "_wait";

    /// <summary>
    /// Puts the wait around every message type's pipe on <paramref name="endpoint"/>, outside whatever is
    /// added after it (the in-memory retries): MassTransit builds each message type's pipe from such
    /// observers in the order they were connected.
    /// </summary>
    public void Around(IConsumePipeConfigurator endpoint) => _ = new Installer(endpoint, this);

    private async Task SendAsync(ConsumeContext context, Func<Task> next)
    {
        try
        {
            await next();
        }
        catch (Exception failure) when (ShouldWait(context, failure))
        {
            var redelivery = RedeliveryOf(context) + 1;
            var queue = Inbox.QueueOf(context.ReceiveContext);
            try
            {
                await PutAsync(context.ReceiveContext, queue, redelivery, failure);
            }
            catch (Exception putFailure)
            {
                // The original stays unacknowledged or goes to _error: never acknowledged without a copy.
                logger.LogError(putFailure, "Could not put message {MessageId} from {Queue} in its wait queue.", context.MessageId, queue);
                throw new AggregateException(failure, putFailure);
            }

            waited.Add(1, new KeyValuePair<string, object?>("queue", queue));
            logger.LogWarning(
                "Message {MessageId} on {Queue} failed with {Failure} after its retries; it waits {Delay} before redelivery {Redelivery} of {Redeliveries}.",
                context.MessageId, queue, failure.GetType().Name, options.RedeliveryDelay, redelivery, options.Redeliveries);
        }
    }

    /// <summary>How many times this message already waited (0 on its first delivery).</summary>
    public static int RedeliveryOf(ConsumeContext context) =>
        context.ReceiveContext.TransportHeaders.Get(RedeliveryHeader, default(int?)) ?? 0;


    private bool ShouldWait(ConsumeContext context, Exception failure) =>
        TransientFailures.IsTransient(failure)
        && !context.CancellationToken.IsCancellationRequested
        && RedeliveryOf(context) < options.Redeliveries
        && context.ReceiveContext.TryGetPayload<ChannelContext>(out _);

    private async Task PutAsync(ReceiveContext received, string queue, int redelivery, Exception failure)
    {
        var channel = received.GetPayload<ChannelContext>();
        var waitQueue = WaitQueueOf(queue);
        // Declared on every use (idempotent, and rare): a wait queue someone deleted comes back.
        await channel.ExchangeDeclare(waitQueue, ExchangeType.Fanout, durable: true, autoDelete: false, new Dictionary<string, object>(), received.CancellationToken);
        await channel.QueueDeclare(waitQueue, durable: true, exclusive: false, autoDelete: false, WaitQueueArguments(queue), received.CancellationToken);
        await channel.QueueBind(waitQueue, waitQueue, "", new Dictionary<string, object>(), received.CancellationToken);

        var properties = received.TryGetPayload<RabbitMqBasicConsumeContext>(out var delivered)
            ? new BasicProperties(delivered.Properties)
            : new BasicProperties();
        properties.Headers = properties.Headers is { } headers ? new Dictionary<string, object?>(headers) : new Dictionary<string, object?>();
        properties.Headers[RedeliveryHeader] = redelivery;
        properties.Headers[WaitedBecauseHeader] = failure.GetType().Name;
        properties.Persistent = true;
        properties.Expiration = ((long)options.RedeliveryDelay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

        await channel.BasicPublishAsync(waitQueue, "", mandatory: true, properties, received.GetBody(), awaitAck: true, received.CancellationToken);
    }

    /// <summary>
    /// Expired messages go back through the queue's own exchange (MassTransit binds an exchange of the
    /// queue's name to it), at least once: a full wait queue refuses the copy rather than drop one.
    /// </summary>
    public static Dictionary<string, object> WaitQueueArguments(string queue) => new()
    {
        ["x-queue-type"] = "quorum",
        ["x-dead-letter-exchange"] = queue,
        ["x-dead-letter-strategy"] = "at-least-once",
        ["x-overflow"] = "reject-publish",
    };

    private sealed class Filter<TMessage>(WaitingRoom room) : IFilter<ConsumeContext<TMessage>>
        where TMessage : class
    {
        public Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next) => room.SendAsync(context, () => next.Send(context));

        public void Probe(ProbeContext context) => context.CreateFilterScope("waiting-room");
    }

    private sealed class Installer : MassTransit.Configuration.ConfigurationObserver, IMessageConfigurationObserver
    {
        private readonly WaitingRoom room;

        public Installer(IConsumePipeConfigurator endpoint, WaitingRoom room)
            : base(endpoint)
        {
            this.room = room;
            Connect(this);
        }

        public void MessageConfigured<TMessage>(IConsumePipeConfigurator configurator)
            where TMessage : class =>
            configurator.AddPipeSpecification(new MassTransit.Configuration.FilterPipeSpecification<ConsumeContext<TMessage>>(new Filter<TMessage>(room)));
    }
}
