using MassTransit;
using MassTransit.Configuration;
using MassTransit.Middleware;

namespace ReferralNetwork.Messaging;

/// <summary>
/// Each queue handles several messages at once yet keeps every publisher's order within a stream (a
/// referral, a case, an onward referral): the relay marks each message with its event's stream, and a
/// partitioner outside everything else on the endpoint lets only one message of a stream through at a
/// time. Order was only ever promised per stream: streams of different services already travel apart.
/// </summary>
public static class StreamOrder
{
    /// <summary>The header naming the stream the message's event was appended to.</summary>
    public const string Header = "RN-Stream";

    /// <summary>
    /// Messages one queue handles at once. Enough to keep the database busy while others wait on a commit;
    /// beyond the machine's cores more only adds version conflicts between messages about one referral.
    /// </summary>
    public const int Partitions = 8;

    /// <summary>
    /// The message's stream; a message without one (published before streams were marked, or by hand)
    /// shares one partition with every other such message, so those keep the queue's order as before.
    /// </summary>
    public static Guid KeyOf(ConsumeContext context) =>
        context.Headers.Get<string>(Header) is { } value && Guid.TryParse(value, out var stream) ? stream : Guid.Empty;

    /// <summary>
    /// Installs the partitioner on every message type of <paramref name="endpoint"/>; call it before any other
    /// filter so that it wraps them (retries and the waiting room included), and raise the endpoint's
    /// concurrency to <see cref="Partitions"/>.
    /// </summary>
    public static void Keep(IReceiveEndpointConfigurator endpoint) =>
        _ = new Installer(endpoint, endpoint.CreatePartitioner(Partitions));

    private sealed class Installer : ConfigurationObserver, IMessageConfigurationObserver
    {
        private readonly IPartitioner partitioner;

        public Installer(IConsumePipeConfigurator endpoint, IPartitioner partitioner)
            : base(endpoint)
        {
            this.partitioner = partitioner;
            Connect(this);
        }

        public void MessageConfigured<TMessage>(IConsumePipeConfigurator configurator)
            where TMessage : class =>
            configurator.AddPipeSpecification(new PartitionerPipeSpecification<ConsumeContext<TMessage>>(c => KeyOf(c).ToByteArray(), partitioner));
    }
}
