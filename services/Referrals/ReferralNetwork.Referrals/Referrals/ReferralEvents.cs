using JasperFx.Events;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging;
using Published = ReferralNetwork.Contracts.Referrals;

namespace ReferralNetwork.Referrals.Referrals;

/// <summary>What the referral service tells the rest of the network.</summary>
public sealed class ReferralEvents : IIntegrationEventMap
{
    public object? ToIntegrationEvent(IEvent @event) => @event.Data switch
    {
        ReferralRequested r => new Published.ReferralRequested(
            r.ReferralId, r.Pathway, r.Area, r.By.OrganisationId, r.ReferrerName, r.By.Kind, r.Needs, r.Urgency, r.Reason, r.Person, r.At)
        {
            // Other services that show the referrer anything (outcomes) follow the same consent.
            ShareWithReferrer = r.Consent.ShareWithReferrer.ToWire(),
        },
        ReferralCancelled c => new Published.ReferralCancelled(c.ReferralId, c.By.OrganisationId, c.Reason.ToWire(), c.Note, c.At),
        Erasures.ErasureRequested e => new Contracts.Erasure.PersonErasureRequested(e.ErasureId, e.ReferralIds, e.At),
        _ => null,
    };
}
