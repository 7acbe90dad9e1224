using Marten;
using MassTransit;
using ReferralNetwork.Contracts.Erasure;

namespace ReferralNetwork.Referrals.Erasures;

/// <summary>Records each service's receipt on the erasure, this service's own too; a receipt for an erasure it never asked for changes nothing.</summary>
public sealed class ErasureProgressConsumer(IDocumentSession session) : IConsumer<PersonErasureCompleted>
{
    public async Task Consume(ConsumeContext<PersonErasureCompleted> context)
    {
        var message = context.Message;
        var stream = await session.Events.FetchForWriting<Erasure>(message.ErasureId, context.CancellationToken);
        if (stream.Aggregate is { } erasure && !erasure.Completed.ContainsKey(message.Service))
        {
            stream.AppendOne(new ErasureReported(message.ErasureId, message.Service, message.At));
        }
    }
}
