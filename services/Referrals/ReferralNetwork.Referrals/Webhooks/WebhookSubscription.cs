namespace ReferralNetwork.Referrals.Webhooks;

/// <summary>
/// A partner's request to have its feed POSTed to <see cref="Url"/>. The secret stays in the database:
/// it is needed to sign each body, and it is never returned, logged or traced.
/// </summary>
public sealed record WebhookSubscription(
    Guid Id, Guid OrganisationId, Guid Feed, string Url, IReadOnlyList<string> EventTypes, string Secret, DateTimeOffset CreatedAt)
{
    /// <summary>No event types means every type.</summary>
    public bool Wants(string eventType) => EventTypes.Count == 0 || EventTypes.Contains(eventType);
}

/// <summary>The §7 event type names a subscription may filter on.</summary>
public static class PartnerEventTypes
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        "referral.requested", "referral.accepted", "referral.rejected", "referral.contact-made", "referral.on-hold",
        "referral.resumed", "referral.completed", "referral.failed", "referral.cancelled", "referral.message-posted",
        "onward-referral.requested", "onward-referral.received", "onward-referral.accepted", "onward-referral.rejected",
        "onward-referral.attendance-recorded", "onward-referral.completed", "onward-referral.failed",
        "onward-referral.reminder", "onward-referral.escalated", "onward-referral.cancelled", "outcome.recorded",
    };
}
