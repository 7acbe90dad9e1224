using ReferralNetwork.Contracts;
using ReferralNetwork.ServiceDefaults.Http;

namespace ReferralNetwork.CommunityProviders.Inbox;

public static class ProviderReferralDecider
{
    /// <summary>Acknowledging says "we have it": only a newly requested onward referral can be acknowledged.</summary>
    public static OnwardReferralAcknowledged Acknowledge(ProviderReferral current, DateTimeOffset now) =>
        current.Status == OnwardReferralStatus.Requested
            ? new OnwardReferralAcknowledged(current.Id, current.ReferralId, current.ProviderId, now)
            : throw new RuleViolation($"This onward referral is {current.Status.ToWire()}; only a requested one can be acknowledged.");
}
