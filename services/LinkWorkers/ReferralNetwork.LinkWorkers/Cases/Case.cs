using ReferralNetwork.Contracts;

namespace ReferralNetwork.LinkWorkers.Cases;

/// <summary>
/// An onward referral as the case sees it: its status is mirrored from the provider's reports;
/// <paramref name="Escalated"/> means the provider did not acknowledge in time and the link worker should follow up.
/// </summary>
public sealed record CaseOnwardReferral(
    Guid Id,
    Guid ServiceId,
    string ServiceName,
    Guid ProviderId,
    string ProviderName,
    DateTimeOffset At,
    OnwardReferralStatus Status = OnwardReferralStatus.Requested,
    string? StatusReason = null,
    bool Escalated = false)
{
    /// <summary>When it reached the provider's inbox, by the provider service's clock; null until that service reports it.</summary>
    public DateTimeOffset? ArrivedAt { get; init; }

    /// <summary>
    /// Its arrival is reported: false in snapshots stored before providers reported arrivals, whose onward referrals
    /// never will be, so the reconciliation does not take them for lost.
    /// </summary>
    public bool ReportsArrival { get; init; }

    /// <summary>Still with the provider: it can be withdrawn, and a cancelled referral withdraws it.</summary>
    public bool IsOpen => Status is OnwardReferralStatus.Requested or OnwardReferralStatus.Received or OnwardReferralStatus.Accepted
        or OnwardReferralStatus.InProgress;

    /// <summary>
    /// Referred on and not known to be at the provider: no arrival reported, and nothing else the provider could only
    /// do once it had it (a status, an escalation of its acknowledgement). A withdrawn one no longer needs to arrive.
    /// </summary>
    public bool IsAwaitingArrival => ReportsArrival && ArrivedAt is null && Status == OnwardReferralStatus.Requested && !Escalated;
}

public sealed record Contact(string Outcome, DateTimeOffset At);

/// <summary>
/// The link worker's assessment with the person: what matters to them, their needs (the needs vocabulary),
/// interests (free tags) and barriers to taking part. The latest one is the one that counts.
/// </summary>
public sealed record Assessment(
    string WhatMatters, IReadOnlyList<string> Needs, IReadOnlyList<string> Interests, IReadOnlyList<string> Barriers, DateTimeOffset At);

/// <summary>
/// A case evolved from its events: Create and the Apply methods are its one evolve (public, for Marten's
/// generator, which also sets <see cref="Version"/> to the stream's version).
/// </summary>
public sealed record Case(
    Guid Id,
    Guid LinkWorkerServiceId,
    ReferralStatus Status,
    Pathway Pathway,
    string Area,
    Guid ReferrerId,
    string ReferrerName,
    IReadOnlyList<string> Needs,
    Urgency Urgency,
    string? Reason,
    PersonDetails Person,
    Guid? LinkWorkerId,
    string? LinkWorkerName,
    IReadOnlyList<Contact> Contacts,
    IReadOnlyList<CaseOnwardReferral> OnwardReferrals,
    ReferralStatus? HeldFrom,
    RejectionReason? RejectionReason,
    CaseOutcome? Outcome,
    string? Summary,
    DateTimeOffset OpenedAt,
    DateTimeOffset UpdatedAt,
    long Version,
    Assessment? Assessment = null,
    DateTimeOffset? AcceptedAt = null)
{
    public static Case Create(CaseOpened e) => new(
        e.ReferralId, e.LinkWorkerServiceId, ReferralStatus.Requested, e.Pathway, e.Area, e.ReferrerId, e.ReferrerName, e.Needs, e.Urgency,
        e.Reason, e.Person, null, null, [], [], null, null, null, null, e.At, e.At, 0);

    public Case Apply(CaseAccepted e) => Next(e.At) with
    {
        Status = ReferralStatus.Accepted,
        LinkWorkerId = e.LinkWorkerId,
        LinkWorkerName = e.LinkWorkerName,
        AcceptedAt = e.At,
    };

    public Case Apply(AssessmentRecorded e) => Next(e.At) with
    {
        Assessment = new Assessment(e.WhatMatters, e.Needs, e.Interests, e.Barriers, e.At),
    };

    public Case Apply(ContactRecorded e) => Next(e.At) with
    {
        Contacts = [.. Contacts, new Contact(e.Outcome, e.ContactedAt)],
        Status = e.Outcome == ContactOutcomes.Reached && Status == ReferralStatus.Accepted ? ReferralStatus.InProgress : Status,
    };

    public Case Apply(OnwardReferralMade e) => Next(e.At) with
    {
        OnwardReferrals = [.. OnwardReferrals, new CaseOnwardReferral(e.OnwardReferralId, e.ServiceId, e.ServiceName, e.ProviderId, e.ProviderName, e.At)
        {
            ReportsArrival = true,
        }],
    };

    public Case Apply(CaseRejected e) => Next(e.At) with { Status = ReferralStatus.Rejected, RejectionReason = e.Reason };

    public Case Apply(CasePutOnHold e) => Next(e.At) with { Status = ReferralStatus.OnHold, HeldFrom = e.HeldFrom };

    public Case Apply(CaseResumed e) => Next(e.At) with { Status = e.Status, HeldFrom = null };

    public Case Apply(CaseClosed e) => Next(e.At) with { Status = e.Status, Outcome = e.Outcome, Summary = e.Summary, HeldFrom = null };

    public Case Apply(CaseCancelled e) => Next(e.At) with { Status = e.Status, HeldFrom = null };

    public Case Apply(CaseOnwardReferralWithdrawn e) => Next(e.At) with
    {
        OnwardReferrals = WithOnwardReferral(e.OnwardReferralId, o => o with { Status = OnwardReferralStatus.Cancelled, StatusReason = e.Reason }),
    };

    public Case Apply(OnwardReferralStatusReported e) => Next(e.At) with
    {
        OnwardReferrals = WithOnwardReferral(e.OnwardReferralId, o => o with { Status = e.Status, StatusReason = e.Reason }),
    };

    public Case Apply(OnwardReferralArrivalReported e) => Next(e.At) with
    {
        OnwardReferrals = WithOnwardReferral(e.OnwardReferralId, o => o with { ArrivedAt = e.At }),
    };

    public Case Apply(OnwardReferralEscalated e) => Next(e.At) with
    {
        OnwardReferrals = WithOnwardReferral(e.OnwardReferralId, o => o with { Escalated = true }),
    };

    /// <summary>Counts against the link worker's caseload.</summary>
    public bool IsActive => Status is ReferralStatus.Accepted or ReferralStatus.InProgress or ReferralStatus.OnHold;

    /// <summary>Finished: nothing more happens on it (closed, rejected, cancelled or entered in error).</summary>
    public bool IsFinished => Status is ReferralStatus.Completed or ReferralStatus.Failed or ReferralStatus.Rejected
        or ReferralStatus.Cancelled or ReferralStatus.EnteredInError;

    /// <summary>The needs to match against: the assessment's when it names any, else the referrer's.</summary>
    public IReadOnlyList<string> NeedsToMeet => Assessment is { Needs.Count: > 0 } a ? a.Needs : Needs;

    /// <summary>
    /// When the longest-waiting onward referral not known to be at its provider was made; null when there is none.
    /// Duplicated into an indexed column, so the reconciliation reads only the cases that have one.
    /// </summary>
    public DateTimeOffset? AwaitingArrivalSince => OnwardReferrals.Where(o => o.IsAwaitingArrival).Select(o => (DateTimeOffset?)o.At).Min();

    public CaseOnwardReferral? OnwardReferral(Guid onwardReferralId) => OnwardReferrals.FirstOrDefault(o => o.Id == onwardReferralId);

    /// <summary>
    /// The case after <paramref name="e"/>, by the Apply methods above (Marten's generator dispatches to them the same
    /// way): for a response that must commit before Marten has projected the new version. An event the case does not
    /// apply leaves it as it was, as Marten does. Not named Evolve, which Marten's conventions would take for the projection's.
    /// </summary>
    public Case After(object e) => (e switch
    {
        CaseAccepted x => Apply(x),
        AssessmentRecorded x => Apply(x),
        ContactRecorded x => Apply(x),
        OnwardReferralMade x => Apply(x),
        CaseRejected x => Apply(x),
        CasePutOnHold x => Apply(x),
        CaseResumed x => Apply(x),
        CaseClosed x => Apply(x),
        CaseCancelled x => Apply(x),
        CaseOnwardReferralWithdrawn x => Apply(x),
        OnwardReferralStatusReported x => Apply(x),
        OnwardReferralArrivalReported x => Apply(x),
        OnwardReferralEscalated x => Apply(x),
        _ => this,
    }) with { Version = Version + 1 };

    private Case Next(DateTimeOffset at) => this with { UpdatedAt = at };

    private IReadOnlyList<CaseOnwardReferral> WithOnwardReferral(Guid id, Func<CaseOnwardReferral, CaseOnwardReferral> change) =>
        OnwardReferrals.Select(o => o.Id == id ? change(o) : o).ToList();
}

public static class ContactOutcomes
{
    public const string Reached = "reached";

    public static readonly IReadOnlyList<string> All = [Reached, "no-answer", "left-message"];
}
