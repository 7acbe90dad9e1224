using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;

namespace ReferralNetwork.LinkWorkers.Cases;

// Person data and free text about the person have masking rules for erasure (CaseErasure).
// A case is a referral as the link-worker service of its area holds it (case id = referral id).

public sealed record CaseOpened(
    Guid ReferralId,
    Guid LinkWorkerServiceId,
    string LinkWorkerServiceName,
    Pathway Pathway,
    string Area,
    Guid ReferrerId,
    string ReferrerName,
    IReadOnlyList<string> Needs,
    Urgency Urgency,
    string? Reason,
    PersonDetails Person,
    DateTimeOffset At);

public sealed record CaseAccepted(Guid ReferralId, Guid LinkWorkerServiceId, Guid LinkWorkerId, string LinkWorkerName, DateTimeOffset At);

public sealed record ContactRecorded(Guid ReferralId, Guid LinkWorkerServiceId, string Outcome, DateTimeOffset ContactedAt, DateTimeOffset At);

/// <summary>
/// The link worker assessed the person; a later assessment replaces an earlier one. What matters and the
/// interests are personal, so the event has a masking rule for erasure and is not published.
/// </summary>
public sealed record AssessmentRecorded(
    Guid ReferralId,
    Guid LinkWorkerServiceId,
    string WhatMatters,
    IReadOnlyList<string> Needs,
    IReadOnlyList<string> Interests,
    IReadOnlyList<string> Barriers,
    DateTimeOffset At);

public sealed record OnwardReferralMade(
    Guid ReferralId,
    Guid LinkWorkerServiceId,
    Guid OnwardReferralId,
    Guid ServiceId,
    string ServiceName,
    Guid ProviderId,
    string ProviderName,
    string? Note,
    IReadOnlyList<string> Needs,
    OnwardReferralPerson Person,
    DateTimeOffset At);

/// <summary>The link-worker service declined the referral.</summary>
public sealed record CaseRejected(Guid ReferralId, Guid LinkWorkerServiceId, RejectionReason Reason, string? Note, DateTimeOffset At);

/// <summary>Work paused; <paramref name="HeldFrom"/> is the status to return to on resume.</summary>
public sealed record CasePutOnHold(Guid ReferralId, Guid LinkWorkerServiceId, ReferralStatus HeldFrom, string? Note, DateTimeOffset At);

/// <summary>Work picked up again, back at <paramref name="Status"/> (what the case was before the hold).</summary>
public sealed record CaseResumed(Guid ReferralId, Guid LinkWorkerServiceId, ReferralStatus Status, DateTimeOffset At);

/// <summary>The link worker closed the case; <paramref name="Status"/> is completed, or failed when the person disengaged.</summary>
public sealed record CaseClosed(Guid ReferralId, Guid LinkWorkerServiceId, ReferralStatus Status, CaseOutcome Outcome, string Summary, DateTimeOffset At);

/// <summary>The referrer cancelled the referral; <paramref name="Status"/> is cancelled or entered-in-error.</summary>
public sealed record CaseCancelled(Guid ReferralId, Guid LinkWorkerServiceId, ReferralStatus Status, string Reason, string? Note, DateTimeOffset At);

/// <summary>
/// An open onward referral called off from the link-worker side: <paramref name="Reason"/> is withdrawn
/// (the link worker's choice) or referral-cancelled.
/// </summary>
public sealed record CaseOnwardReferralWithdrawn(
    Guid ReferralId, Guid LinkWorkerServiceId, Guid OnwardReferralId, Guid ProviderId, string Reason, string? Note, DateTimeOffset At);

/// <summary>The provider reported a new status for an onward referral (mirrored so the case knows which are open).</summary>
public sealed record OnwardReferralStatusReported(
    Guid ReferralId, Guid LinkWorkerServiceId, Guid OnwardReferralId, OnwardReferralStatus Status, string? Reason, DateTimeOffset At);

/// <summary>The onward referral reached the provider's inbox at <paramref name="At"/> (the provider service's clock).</summary>
public sealed record OnwardReferralArrivalReported(Guid ReferralId, Guid LinkWorkerServiceId, Guid OnwardReferralId, DateTimeOffset At);

/// <summary>The provider did not acknowledge in time and the onward referral was escalated to the link worker.</summary>
public sealed record OnwardReferralEscalated(Guid ReferralId, Guid LinkWorkerServiceId, Guid OnwardReferralId, DateTimeOffset At);

/// <summary>Why a link-worker service declines a referral (partner-api.md §4).</summary>
public enum RejectionReason
{
    NotEligible,
    OutOfArea,
    Duplicate,
    Other,
}

/// <summary>How a case ended (partner-api.md §4).</summary>
public enum CaseOutcome
{
    GoalsMet,
    PartiallyMet,
    Disengaged,
    Declined,
    MovedAway,
    ReferredBack,
    Other,
}

/// <summary>What can stand between a person and taking part (the assessment's barriers).</summary>
public static class Barriers
{
    public const string Mobility = "mobility";
    public const string Cost = "cost";
    public const string Transport = "transport";
    public const string Confidence = "confidence";
    public const string Language = "language";
    public const string Digital = "digital";
    public const string Other = "other";

    public static readonly IReadOnlyList<string> All = [Mobility, Cost, Transport, Confidence, Language, Digital, Other];
}

public static class WithdrawalReasons
{
    public const string Withdrawn = "withdrawn";
    public const string ReferralCancelled = "referral-cancelled";
}
