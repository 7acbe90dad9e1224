using Marten;
using MassTransit;
using ReferralNetwork.Contracts.CommunityProviders;

namespace ReferralNetwork.LinkWorkers.Cases;

/// <summary>
/// Records on the case's onward referral that it reached the provider's inbox: until it has, the reconciliation counts
/// it as not arrived.
/// </summary>
public sealed class OnwardReferralArrivedConsumer(IDocumentSession session) : IConsumer<OnwardReferralArrived>
{
    public Task Consume(ConsumeContext<OnwardReferralArrived> context) =>
        session.MirrorAsync(context.Message.ReferralId, c => CaseDecider.Decide(c, new MirrorArrival(context.Message.OnwardReferralId, context.Message.At)),
            context.CancellationToken);
}

/// <summary>Mirrors a provider's acknowledgement onto the case's onward referral (received).</summary>
public sealed class OnwardReferralAcknowledgedConsumer(IDocumentSession session) : IConsumer<OnwardReferralAcknowledged>
{
    public Task Consume(ConsumeContext<OnwardReferralAcknowledged> context) =>
        session.MirrorAsync(context.Message.ReferralId, c => CaseDecider.Decide(c, new MirrorAcknowledgement(context.Message.OnwardReferralId, context.Message.At)),
            context.CancellationToken);
}

/// <summary>Mirrors a provider's step (or its deadline's) onto the case's onward referral, so the link worker sees it.</summary>
public sealed class OnwardReferralProgressedConsumer(IDocumentSession session) : IConsumer<OnwardReferralProgressed>
{
    public Task Consume(ConsumeContext<OnwardReferralProgressed> context)
    {
        var m = context.Message;
        return session.MirrorAsync(m.ReferralId, c => CaseDecider.Decide(c, new MirrorProgress(m.OnwardReferralId, m.Step, m.Status, m.Reason, m.At)),
            context.CancellationToken);
    }
}

internal static class ProviderReports
{
    /// <summary>Appends what a provider's report makes of the case (the inbox commits); a case this service does not hold takes nothing.</summary>
    public static async Task MirrorAsync(this IDocumentSession session, Guid referralId, Func<Case, IReadOnlyList<object>> decide, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Case>(referralId, ct);
        if (stream.Aggregate is { } current)
        {
            stream.AppendMany(decide(current));
        }
    }
}
