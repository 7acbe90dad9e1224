using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals;

// The referral stream's own events. Person data and free text about the person have masking rules
// for erasure (see ReferralErasure).

public enum ShareWithReferrer
{
    Full,
    CodesOnly,
}

public sealed record Consent(bool Given, DateTimeOffset RecordedAt, ShareWithReferrer ShareWithReferrer);

public sealed record ReferralRequested(
    Guid ReferralId,
    Pathway Pathway,
    string Area,
    Actor By,
    string ReferrerName,
    IReadOnlyList<string> Needs,
    Urgency Urgency,
    string? Reason,
    PersonDetails Person,
    Consent Consent,
    DateTimeOffset At);

public sealed record LinkWorkerServiceAssigned(Guid ReferralId, Guid LinkWorkerServiceId, string LinkWorkerServiceName, DateTimeOffset At);

public sealed record LinkWorkerAssigned(Guid ReferralId, Actor By, Guid LinkWorkerId, string LinkWorkerName, DateTimeOffset At);

public sealed record ContactAttemptRecorded(Guid ReferralId, Actor By, string Outcome, DateTimeOffset ContactedAt, DateTimeOffset At);

public sealed record OnwardReferralAdded(
    Guid ReferralId, Actor By, Guid OnwardReferralId, Guid ServiceId, string ServiceName, Guid ProviderId, string ProviderName, DateTimeOffset At);

public sealed record OnwardReferralReceived(Guid ReferralId, Actor By, Guid OnwardReferralId, DateTimeOffset At);

// The rest of the lifecycle, mirrored from the link-worker, provider and feedback services so the
// referrer and every party read one story on one stream.

public sealed record ReferralRejected(Guid ReferralId, Actor By, string Reason, string? Note, DateTimeOffset At);

public sealed record ReferralPutOnHold(Guid ReferralId, Actor By, string? Note, DateTimeOffset At);

/// <summary><paramref name="ResumedAs"/> is the status the referral had before the hold.</summary>
public sealed record ReferralResumed(Guid ReferralId, Actor By, ReferralStatus ResumedAs, DateTimeOffset At);

/// <summary>
/// Closed by the link worker as completed or failed. The message back is composed when the case
/// closes and kept with the event, so the feed and webhooks send exactly what the referrer was told.
/// </summary>
public sealed record ReferralClosed(
    Guid ReferralId, Actor By, ReferralStatus Status, string Outcome, string Summary, MessageBack MessageBack, DateTimeOffset At);

public enum CancellationReason
{
    /// <summary>Circumstances changed: status cancelled.</summary>
    Revoked,

    /// <summary>The referral should never have been made: status entered-in-error.</summary>
    EnteredInError,
}

public sealed record ReferralCancelled(Guid ReferralId, Actor By, CancellationReason Reason, string? Note, DateTimeOffset At);

public sealed record ReferralMessagePosted(Guid ReferralId, Guid MessageId, Actor By, string AuthorName, string Text, DateTimeOffset At);

/// <summary>A wellbeing measure recorded by the feedback service: scores only, never the responses.</summary>
public sealed record MeasureRecorded(
    Guid ReferralId, Actor By, Guid OutcomeId, string Instrument, string Timepoint, IReadOnlyDictionary<string, decimal> Scores, DateTimeOffset At);

public sealed record OnwardReferralAccepted(Guid ReferralId, Actor By, Guid OnwardReferralId, DateTimeOffset At);

public sealed record OnwardReferralRejected(Guid ReferralId, Actor By, Guid OnwardReferralId, string Reason, string? Note, DateTimeOffset At);

public sealed record OnwardAttendanceRecorded(Guid ReferralId, Actor By, Guid OnwardReferralId, DateOnly Date, bool Attended, DateTimeOffset At);

public sealed record OnwardReferralCompleted(Guid ReferralId, Actor By, Guid OnwardReferralId, string? Summary, DateTimeOffset At);

public sealed record OnwardReferralFailed(Guid ReferralId, Actor By, Guid OnwardReferralId, string Reason, DateTimeOffset At);

/// <summary>Not acknowledged in time: the provider was nudged. No status change.</summary>
public sealed record OnwardReferralReminded(Guid ReferralId, Actor By, Guid OnwardReferralId, DateTimeOffset At);

/// <summary>Still not acknowledged: escalated to the link worker. No status change.</summary>
public sealed record OnwardReferralEscalated(Guid ReferralId, Actor By, Guid OnwardReferralId, DateTimeOffset At);

/// <summary>Withdrawn by the link worker, cancelled with the referral, or confirmed cancelled by the provider.</summary>
public sealed record OnwardReferralCancelled(Guid ReferralId, Actor By, Guid OnwardReferralId, Guid ProviderId, string Reason, DateTimeOffset At);
