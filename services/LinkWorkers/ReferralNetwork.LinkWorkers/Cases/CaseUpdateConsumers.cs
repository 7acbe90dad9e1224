using Marten;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.ServiceDefaults.Messaging;

namespace ReferralNetwork.LinkWorkers.Cases;

/// <summary>A referral cancelled before it reached this service: a late ReferralRequested for it opens nothing.</summary>
public sealed record CancelledReferral(Guid Id, string Reason, DateTimeOffset At);

/// <summary>
/// The referrer cancelled the referral. On the routing queue (one at a time) so it cannot race the
/// routing of the same referral: it sees either the case, the waiting referral, or nothing yet.
/// </summary>
public sealed class ReferralCancelledConsumer(IDocumentSession session, TimeProvider clock)
    : IdempotentConsumer<ReferralCancelled>(session, clock)
{
    protected override async Task HandleAsync(ReferralCancelled message, CancellationToken ct)
    {
        if (await Session.Events.FetchStreamStateAsync(message.ReferralId, ct) is not null)
        {
            // Optimistic: a concurrent command on the case makes SaveChanges fail and message retry decides again.
            var stream = await Session.Events.FetchForWriting<Case>(message.ReferralId, ct);
            if (stream.Aggregate is { } current)
            {
                stream.AppendMany(CaseDecider.Cancel(current, message.Reason, message.Note, message.At));
            }

            return;
        }

        if (await Session.LoadAsync<WaitingReferral>(message.ReferralId, ct) is { } waiting)
        {
            // Never routed, so no party but the referrer knew of it: forget it (and the person details it holds).
            Session.Delete(waiting);
        }

        // Also kept when it was waiting: a redelivered ReferralRequested must not bring it back.
        Session.Store(new CancelledReferral(message.ReferralId, message.Reason, message.At));
    }
}

/// <summary>Mirrors a provider's acknowledgement onto the case's onward referral (received).</summary>
public sealed class OnwardReferralAcknowledgedConsumer(IDocumentSession session, TimeProvider clock)
    : IdempotentConsumer<OnwardReferralAcknowledged>(session, clock)
{
    protected override async Task HandleAsync(OnwardReferralAcknowledged message, CancellationToken ct)
    {
        var stream = await Session.Events.FetchForWriting<Case>(message.ReferralId, ct);
        if (stream.Aggregate is { } current && CaseDecider.MirrorAcknowledgement(current, message.OnwardReferralId, message.At) is { } mirrored)
        {
            stream.AppendOne(mirrored);
        }
    }
}

/// <summary>Mirrors a provider's step (or its deadline's) onto the case's onward referral, so the link worker sees it.</summary>
public sealed class OnwardReferralProgressedConsumer(IDocumentSession session, TimeProvider clock)
    : IdempotentConsumer<OnwardReferralProgressed>(session, clock)
{
    protected override async Task HandleAsync(OnwardReferralProgressed m, CancellationToken ct)
    {
        var stream = await Session.Events.FetchForWriting<Case>(m.ReferralId, ct);
        if (stream.Aggregate is { } current && CaseDecider.MirrorProgress(current, m.OnwardReferralId, m.Step, m.Status, m.Reason, m.At) is { } mirrored)
        {
            stream.AppendOne(mirrored);
        }
    }
}
