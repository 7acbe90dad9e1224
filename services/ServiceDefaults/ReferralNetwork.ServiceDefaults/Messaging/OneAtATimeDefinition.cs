using MassTransit;

namespace ReferralNetwork.ServiceDefaults.Messaging;

/// <summary>
/// Consumers that share one queue consumed one message at a time: each sees what the one before it
/// committed, so decisions that read other documents (is there a service for this area yet? has
/// this referral been routed?) cannot race each other.
/// </summary>
public abstract class OneAtATimeDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected OneAtATimeDefinition(string endpointName)
    {
        EndpointName = endpointName;
        ConcurrentMessageLimit = 1;
    }
}
