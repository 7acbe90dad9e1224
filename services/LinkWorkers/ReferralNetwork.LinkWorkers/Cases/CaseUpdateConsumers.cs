using Marten;
using MassTransit;
using ReferralNetwork.Contracts.CommunityProviders;

namespace ReferralNetwork.LinkWorkers.Cases;

/// <summary>Mirrors a provider's acknowledgement onto the case's onward referral (received).</summary>
public sealed class OnwardReferralAcknowledgedConsumer(IDocumentSession session) : IConsumer<OnwardReferralAcknowledged>
{
    public async Task Consume(ConsumeContext<OnwardReferralAcknowledged> context)
    {
        var message = context.Message;
        var stream = await session.Events.FetchForWriting<Case>(message.ReferralId, context.CancellationToken);
        if (stream.Aggregate is { } current)
        {
            stream.AppendMany(CaseDecider.Decide(current, new MirrorAcknowledgement(message.OnwardReferralId, message.At)));
        }
    }
}

/// <summary>Mirrors a provider's step (or its deadline's) onto the case's onward referral, so the link worker sees it.</summary>
public sealed class OnwardReferralProgressedConsumer(IDocumentSession session) : IConsumer<OnwardReferralProgressed>
{
    public async Task Consume(ConsumeContext<OnwardReferralProgressed> context)
    {
        var m = context.Message;
        var stream = await session.Events.FetchForWriting<Case>(m.ReferralId, context.CancellationToken);
        if (stream.Aggregate is { } current)
        {
            stream.AppendMany(CaseDecider.Decide(current, new MirrorProgress(m.OnwardReferralId, m.Step, m.Status, m.Reason, m.At)));
        }
    }
}
