namespace ReferralNetwork.Referrals.Webhooks;

/// <summary>
/// A partner's request to have its feed POSTed to <see cref="Url"/>. The secret is needed to sign each
/// body, so it is kept, but only encrypted (<see cref="ProtectedSecret"/>, see <see cref="WebhookSecrets"/>);
/// it is never returned, logged or traced.
/// </summary>
public sealed record WebhookSubscription(
    Guid Id, Guid OrganisationId, Guid Feed, string Url, IReadOnlyList<string> EventTypes, string? ProtectedSecret, DateTimeOffset CreatedAt)
{
    /// <summary>
    /// The secret in clear, as subscriptions made before encryption stored it; null on every new one.
    /// Read only to sign with and to migrate it into <see cref="ProtectedSecret"/>.
    /// </summary>
    public string? Secret { get; init; }

    /// <summary>No event types means every type.</summary>
    public bool Wants(string eventType) => EventTypes.Count == 0 || EventTypes.Contains(eventType);
}

/// <summary>How many subscriptions an organisation may hold (partner-api.md §7).</summary>
public static class SubscriptionLimit
{
    public const int PerOrganisation = 10;

    /// <summary>Why an organisation already holding <paramref name="held"/> subscriptions may not add one, or null.</summary>
    public static string? Refusal(int held) =>
        held >= PerOrganisation ? $"An organisation holds at most {PerOrganisation} subscriptions; delete one before adding another." : null;
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
