using Marten;
using MassTransit;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.ServiceDefaults.Messaging;

namespace ReferralNetwork.Feedback.Referrals;

/// <summary>Who may record and read a referral's measures: its referrer and the link-worker service handling it.</summary>
public sealed record ReferralParties(Guid Id, Guid ReferrerId, Guid? LinkWorkerServiceId, string Area);

/// <summary>Both reports update the same document, so they share one queue taken one at a time (no lost update).</summary>
public sealed class ReferralPartiesDefinition<TConsumer>() : OneAtATimeDefinition<TConsumer>("feedback-referral-parties")
    where TConsumer : class, IConsumer;

public sealed class ReferralRequestedConsumer(IDocumentSession session, TimeProvider clock) : IdempotentConsumer<ReferralRequested>(session, clock)
{
    protected override async Task HandleAsync(ReferralRequested m, CancellationToken ct)
    {
        var existing = await Session.LoadAsync<ReferralParties>(m.ReferralId, ct);
        Session.Store(new ReferralParties(m.ReferralId, m.ReferrerId, existing?.LinkWorkerServiceId, m.Area));
    }
}

public sealed class ReferralRoutedConsumer(IDocumentSession session, TimeProvider clock) : IdempotentConsumer<ReferralRouted>(session, clock)
{
    protected override async Task HandleAsync(ReferralRouted m, CancellationToken ct)
    {
        // Routing can overtake the request on another queue; keep whatever each one told us.
        var existing = await Session.LoadAsync<ReferralParties>(m.ReferralId, ct);
        Session.Store((existing ?? new ReferralParties(m.ReferralId, Guid.Empty, null, "")) with { LinkWorkerServiceId = m.LinkWorkerServiceId });
    }
}
