using Marten;
using MassTransit;
using ReferralNetwork.Contracts.Erasure;
using ReferralNetwork.Messaging.Erasure;

namespace ReferralNetwork.Referrals.Erasures;

/// <summary>Records each other service's receipt on the erasure; this service's own is already there.</summary>
public sealed class ErasureProgressConsumer(IDocumentSession session, MessagingService self) : IConsumer<PersonErasureCompleted>
{
    public async Task Consume(ConsumeContext<PersonErasureCompleted> context)
    {
        var message = context.Message;
        if (message.Service == self.Name)
        {
            return;
        }

        var stream = await session.Events.FetchForWriting<Erasure>(message.ErasureId, context.CancellationToken);
        if (stream.Aggregate is { } erasure && !erasure.Completed.ContainsKey(message.Service))
        {
            stream.AppendOne(new ErasureReported(message.ErasureId, message.Service, message.At));
        }
    }
}
