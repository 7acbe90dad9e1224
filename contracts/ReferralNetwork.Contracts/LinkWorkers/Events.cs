namespace ReferralNetwork.Contracts.LinkWorkers;

/// <summary>The referral reached the link-worker service of its area.</summary>
public sealed record ReferralRouted(Guid ReferralId, Guid LinkWorkerServiceId, string LinkWorkerServiceName, DateTimeOffset At);

/// <summary>The link-worker service took the referral on and assigned a link worker.</summary>
public sealed record ReferralAccepted(
    Guid ReferralId, Guid LinkWorkerServiceId, Guid LinkWorkerId, string LinkWorkerName, DateTimeOffset At);

/// <summary>A link worker tried to contact the person; <paramref name="Outcome"/> is reached, no-answer or left-message.</summary>
public sealed record ContactAttempted(Guid ReferralId, Guid LinkWorkerServiceId, string Outcome, DateTimeOffset ContactedAt, DateTimeOffset At);

/// <summary>The link worker referred the person on to a community service.</summary>
public sealed record OnwardReferralRequested(
    Guid OnwardReferralId,
    Guid ReferralId,
    Guid LinkWorkerServiceId,
    Guid ServiceId,
    string ServiceName,
    Guid ProviderId,
    string ProviderName,
    IReadOnlyList<string> Needs,
    string? Note,
    OnwardReferralPerson Person,
    DateTimeOffset At);

/// <summary>Only what a community provider needs to know about the person: no NHS number, no date of birth.</summary>
public sealed record OnwardReferralPerson(
    string GivenName, string FamilyName, string? Phone, string? Email, string? PreferredContact, string? Language, string? AccessibilityNeeds);

/// <summary>The link-worker service declined the referral (not-eligible, out-of-area, duplicate, other).</summary>
public sealed record ReferralRejected(Guid ReferralId, Guid LinkWorkerServiceId, string Reason, string? Note, DateTimeOffset At);

/// <summary>Work on the referral paused (on-hold) or picked up again (resumed).</summary>
public sealed record ReferralPutOnHold(Guid ReferralId, Guid LinkWorkerServiceId, string? Note, DateTimeOffset At);

public sealed record ReferralResumed(Guid ReferralId, Guid LinkWorkerServiceId, DateTimeOffset At);

/// <summary>
/// The link worker closed the case with an outcome (goals-met, partially-met, disengaged, declined,
/// moved-away, referred-back, other): <paramref name="Status"/> is completed, or failed when the person disengaged.
/// </summary>
public sealed record ReferralClosed(
    Guid ReferralId, Guid LinkWorkerServiceId, ReferralStatus Status, string Outcome, string Summary, DateTimeOffset At);

/// <summary>
/// An onward referral was cancelled by the link-worker side: the link worker withdrew it
/// (<paramref name="Reason"/> withdrawn) or the referral was cancelled (referral-cancelled).
/// </summary>
public sealed record OnwardReferralWithdrawn(Guid OnwardReferralId, Guid ReferralId, Guid LinkWorkerServiceId, Guid ProviderId, string Reason, DateTimeOffset At);
