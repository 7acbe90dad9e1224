using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals.Read;

/// <summary>Who sees a partner event besides the referral's referrer and link-worker service (and the operator).</summary>
public enum ExtraAudience
{
    /// <summary>Only the referrer and the link-worker service.</summary>
    None,

    /// <summary>Also the provider holding the onward referral the event is about (<see cref="PartnerEvent.Provider"/>).</summary>
    TheProvider,

    /// <summary>Also every provider holding an onward referral for this referral (messages).</summary>
    EveryProvider,
}

/// <summary>
/// A referral-stream event as partners see it: the §7 type name, who did it, a summary with no person
/// data, and the data a partner integration needs. The timeline, the event feed and webhooks all
/// describe events through <see cref="PartnerEvents.Describe"/>, so they never disagree.
/// </summary>
public sealed record PartnerEvent(
    string Type, DateTimeOffset At, Actor By, string Summary, object Data, ExtraAudience Audience = ExtraAudience.None, Guid? Provider = null);

public static class PartnerEvents
{
    /// <summary>The partner view of a domain event on a referral stream, or null for internal bookkeeping.</summary>
    public static PartnerEvent? Describe(object data) => data switch
    {
        ReferralRequested r => new PartnerEvent("referral.requested", r.At, r.By,
            $"Referral requested by {r.ReferrerName} ({r.Pathway.ToWire()} pathway, {r.Urgency.ToWire()}) for {string.Join(", ", r.Needs)}.",
            new { status = ReferralStatus.Requested, pathway = r.Pathway, urgency = r.Urgency, needs = r.Needs, referrer = new { id = r.By.OrganisationId, name = r.ReferrerName } }),
        LinkWorkerAssigned r => new PartnerEvent("referral.accepted", r.At, r.By,
            $"Accepted; link worker {r.LinkWorkerName}.",
            new { status = ReferralStatus.Accepted, linkWorker = new { id = r.LinkWorkerId, name = r.LinkWorkerName } }),
        ContactAttemptRecorded r => new PartnerEvent("referral.contact-made", r.At, r.By,
            $"Contact attempt: {r.Outcome}.",
            new { outcome = r.Outcome, contactedAt = r.ContactedAt }),
        OnwardReferralAdded r => new PartnerEvent("onward-referral.requested", r.At, r.By,
            $"Referred on to {r.ServiceName} ({r.ProviderName}).",
            new
            {
                onwardReferralId = r.OnwardReferralId, status = OnwardReferralStatus.Requested, serviceId = r.ServiceId, serviceName = r.ServiceName,
                provider = new { id = r.ProviderId, name = r.ProviderName },
            },
            ExtraAudience.TheProvider, r.ProviderId),
        OnwardReferralReceived r => new PartnerEvent("onward-referral.received", r.At, r.By,
            "The community provider acknowledged the onward referral.",
            new { onwardReferralId = r.OnwardReferralId, status = OnwardReferralStatus.Received },
            ExtraAudience.TheProvider, r.By.OrganisationId),
        _ => null,
    };
}
