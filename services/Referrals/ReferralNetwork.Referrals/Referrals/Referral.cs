using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals;

public sealed record Party(Guid Id, string Name);

public sealed record Attendance(DateOnly Date, bool Attended);

public sealed record OnwardReferral(
    Guid Id, Guid ServiceId, string ServiceName, Party Provider, OnwardReferralStatus Status, string? StatusReason)
{
    // Added with the full lifecycle: init properties with defaults, so snapshots stored before them still load.
    public IReadOnlyList<Attendance> Attendances { get; init; } = [];

    public DateTimeOffset? RemindedAt { get; init; }

    public DateTimeOffset? EscalatedAt { get; init; }

    /// <summary>When the link worker referred on; null in snapshots stored before it was kept.</summary>
    public DateTimeOffset? RequestedAt { get; init; }

    /// <summary>The provider accepted it at some point; false in snapshots stored before it was kept.</summary>
    public bool TakenOn { get; init; }

    /// <summary>The provider acknowledged it (received), whatever happened since; false in snapshots stored before it was kept.</summary>
    public bool Acknowledged { get; init; }

    public bool IsFinished => Status is OnwardReferralStatus.Rejected or OnwardReferralStatus.Completed
        or OnwardReferralStatus.Failed or OnwardReferralStatus.Cancelled;

    /// <summary>Whether its provider may still read and write the referral's messages: see <see cref="OnwardAccess"/>.</summary>
    public bool KeepsProviderAccess => OnwardAccess.Keeps(Status, TakenOn || Attendances.Count > 0);
}

/// <summary>
/// When a provider keeps access to a referral's messages and events through one onward referral: while it
/// is open, and after it ends if the provider took the person on (accepted, so completed or failed after
/// the work began: it may still need to answer questions about that work). Rejected, cancelled (withdrawn
/// by the link worker or with the referral) and failed without ever being accepted (no response) end it:
/// the provider never had a care relationship with the person, so it sees nothing from then on.
/// </summary>
public static class OnwardAccess
{
    public static bool Keeps(OnwardReferralStatus status, bool takenOn) => status switch
    {
        OnwardReferralStatus.Rejected or OnwardReferralStatus.Cancelled => false,
        OnwardReferralStatus.Failed => takenOn,
        _ => true,
    };
}

/// <summary>A wellbeing measure as the message back reports it: scores only.</summary>
public sealed record RecordedMeasure(Guid OutcomeId, string Instrument, string Timepoint, IReadOnlyDictionary<string, decimal> Scores, DateTimeOffset At);

/// <summary>
/// The referral as every party sees it, evolved from its events. Immutable: each Apply returns a new
/// state (Marten 9 requires these methods to be public). Version is the stream's version: Marten sets
/// a member of that name after each event, so Create and Apply leave it alone.
/// </summary>
public sealed record Referral(
    Guid Id,
    ReferralStatus Status,
    Pathway Pathway,
    string Area,
    Guid ReferrerId,
    Party Referrer,
    Guid? LinkWorkerServiceId,
    Party? LinkWorkerService,
    Party? LinkWorker,
    IReadOnlyList<string> Needs,
    Urgency Urgency,
    string? Reason,
    PersonDetails Person,
    Consent Consent,
    IReadOnlyList<OnwardReferral> OnwardReferrals,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version)
{
    // Added with the full lifecycle: init properties with defaults, so snapshots stored before them still load.

    /// <summary>Why the referral is in its status: the rejection or cancellation reason, or the close outcome.</summary>
    public string? StatusReason { get; init; }

    /// <summary>Where a resume returns to.</summary>
    public ReferralStatus? StatusBeforeHold { get; init; }

    /// <summary>When the link worker last resumed it: a hold from before then was already ended.</summary>
    public DateTimeOffset? ResumedAt { get; init; }

    /// <summary>The person was reached at least once: they took up the referral to the link worker (SNOMED 871731000000106).</summary>
    public bool PersonReached { get; init; }

    public string? Outcome { get; init; }

    public string? Summary { get; init; }

    public IReadOnlyList<RecordedMeasure> Measures { get; init; } = [];

    public static Referral Create(ReferralRequested e) => new(
        e.ReferralId, ReferralStatus.Requested, e.Pathway, e.Area, e.By.OrganisationId, new Party(e.By.OrganisationId, e.ReferrerName),
        null, null, null, e.Needs, e.Urgency, e.Reason, e.Person, e.Consent, [], e.At, e.At, 0);

    public Referral Apply(LinkWorkerServiceAssigned e) => Next(e.At) with
    {
        LinkWorkerServiceId = e.LinkWorkerServiceId,
        LinkWorkerService = new Party(e.LinkWorkerServiceId, e.LinkWorkerServiceName),
    };

    public Referral Apply(LinkWorkerAssigned e) => Next(e.At) with
    {
        Status = ReferralStatus.Accepted,
        LinkWorker = new Party(e.LinkWorkerId, e.LinkWorkerName),
    };

    public Referral Apply(ContactAttemptRecorded e)
    {
        var reached = e.Outcome == ContactOutcomes.Reached;
        return Next(e.At) with
        {
            // Reaching the person is the first contact that starts the work; during a hold it is where the resume returns to.
            Status = reached && Status == ReferralStatus.Accepted ? ReferralStatus.InProgress : Status,
            StatusBeforeHold = reached && StatusBeforeHold == ReferralStatus.Accepted ? ReferralStatus.InProgress : StatusBeforeHold,
            PersonReached = PersonReached || reached,
        };
    }

    public Referral Apply(OnwardReferralAdded e) => Next(e.At) with
    {
        OnwardReferrals = [.. OnwardReferrals, new OnwardReferral(
            e.OnwardReferralId, e.ServiceId, e.ServiceName, new Party(e.ProviderId, e.ProviderName), OnwardReferralStatus.Requested, null)
        {
            RequestedAt = e.At,
        }],
    };

    public Referral Apply(OnwardReferralReceived e) =>
        // A late acknowledgement (overtaken by the provider's later steps) is recorded without moving the status back.
        NextWithOnward(e.At, e.OnwardReferralId, o => o with
        {
            Status = o.Status == OnwardReferralStatus.Requested ? OnwardReferralStatus.Received : o.Status,
            Acknowledged = true,
        });

    public Referral Apply(ReferralRejected e) => Next(e.At) with { Status = ReferralStatus.Rejected, StatusReason = e.Reason };

    public Referral Apply(ReferralPutOnHold e) => Next(e.At) with { Status = ReferralStatus.OnHold, StatusBeforeHold = Status };

    public Referral Apply(ReferralResumed e) => Next(e.At) with { Status = e.ResumedAs, StatusBeforeHold = null, ResumedAt = e.At };

    public Referral Apply(ReferralClosed e) => Next(e.At) with
    {
        Status = e.Status,
        StatusReason = e.Outcome,
        StatusBeforeHold = null,
        Outcome = e.Outcome,
        Summary = e.Summary,
    };

    public Referral Apply(ReferralCancelled e) => Next(e.At) with
    {
        Status = e.Reason == CancellationReason.EnteredInError ? ReferralStatus.EnteredInError : ReferralStatus.Cancelled,
        StatusReason = e.Reason.ToWire(),
        StatusBeforeHold = null,
    };

    // Messages live on the stream only (read back from it); the state just moves on.
    public Referral Apply(ReferralMessagePosted e) => Next(e.At);

    public Referral Apply(MeasureRecorded e) => Next(e.At) with
    {
        Measures = [.. Measures, new RecordedMeasure(e.OutcomeId, e.Instrument, e.Timepoint, e.Scores, e.At)],
    };

    public Referral Apply(OnwardReferralAccepted e) =>
        // A late acceptance (overtaken by an attendance's start or the finish) is recorded without moving the status back.
        NextWithOnward(e.At, e.OnwardReferralId, o => o.Status is OnwardReferralStatus.Requested or OnwardReferralStatus.Received
            ? o with { Status = OnwardReferralStatus.Accepted, StatusReason = null, TakenOn = true }
            : o with { TakenOn = true });

    public Referral Apply(OnwardReferralRejected e) =>
        NextWithOnward(e.At, e.OnwardReferralId, o => o with { Status = OnwardReferralStatus.Rejected, StatusReason = e.Reason });

    public Referral Apply(OnwardAttendanceRecorded e) => NextWithOnward(e.At, e.OnwardReferralId, o => o with
    {
        // The first attendance starts the activity.
        Status = e.Attended && o.Status == OnwardReferralStatus.Accepted ? OnwardReferralStatus.InProgress : o.Status,
        Attendances = [.. o.Attendances, new Attendance(e.Date, e.Attended)],
    });

    public Referral Apply(OnwardReferralCompleted e) =>
        NextWithOnward(e.At, e.OnwardReferralId, o => o with { Status = OnwardReferralStatus.Completed, StatusReason = null });

    public Referral Apply(OnwardReferralFailed e) =>
        NextWithOnward(e.At, e.OnwardReferralId, o => o with { Status = OnwardReferralStatus.Failed, StatusReason = e.Reason });

    public Referral Apply(OnwardReferralReminded e) => NextWithOnward(e.At, e.OnwardReferralId, o => o with { RemindedAt = e.At });

    public Referral Apply(OnwardReferralEscalated e) => NextWithOnward(e.At, e.OnwardReferralId, o => o with { EscalatedAt = e.At });

    public Referral Apply(OnwardReferralCancelled e) =>
        NextWithOnward(e.At, e.OnwardReferralId, o => o with { Status = OnwardReferralStatus.Cancelled, StatusReason = e.Reason });

    /// <summary>The referrer or the link-worker service handling it (the operator sees everything besides).</summary>
    public bool IsPartyOf(Guid organisationId) => ReferrerId == organisationId || LinkWorkerServiceId == organisationId;

    /// <summary>
    /// The organisation reads this referral only as its referrer and the person's consent is not full:
    /// it gets the codes-only view, timeline and feed (<see cref="Read.CodesOnly"/>).
    /// </summary>
    public bool ShowsOnlyCodesTo(Guid organisationId) =>
        organisationId == ReferrerId && organisationId != LinkWorkerServiceId && Consent.ShareWithReferrer != ShareWithReferrer.Full;

    /// <summary>A provider holding an onward referral for this referral that still gives it access (<see cref="OnwardAccess"/>).</summary>
    public bool IsProviderOf(Guid organisationId) => OnwardReferrals.Any(o => o.Provider.Id == organisationId && o.KeepsProviderAccess);

    /// <summary>Closed by its link-worker service, completed or failed: a step of theirs may still arrive late (it waited on the broker).</summary>
    public bool IsClosedByLinkWorker => Status is ReferralStatus.Completed or ReferralStatus.Failed;

    /// <summary>Completed, failed, rejected, cancelled or entered in error: nothing more happens to it.</summary>
    public bool IsFinished => Status is ReferralStatus.Completed or ReferralStatus.Failed or ReferralStatus.Rejected
        or ReferralStatus.Cancelled or ReferralStatus.EnteredInError;

    public bool IsCancelledByReferrer => Status is ReferralStatus.Cancelled or ReferralStatus.EnteredInError;

    public OnwardReferral? FindOnwardReferral(Guid onwardReferralId) => OnwardReferrals.FirstOrDefault(o => o.Id == onwardReferralId);

    private Referral Next(DateTimeOffset at) => this with { UpdatedAt = at };

    private Referral NextWithOnward(DateTimeOffset at, Guid onwardReferralId, Func<OnwardReferral, OnwardReferral> change) => Next(at) with
    {
        OnwardReferrals = OnwardReferrals.Select(o => o.Id == onwardReferralId ? change(o) : o).ToList(),
    };
}

public static class ContactOutcomes
{
    public const string Reached = "reached";
    public const string NoAnswer = "no-answer";
    public const string LeftMessage = "left-message";

    public static readonly IReadOnlyList<string> All = [Reached, NoAnswer, LeftMessage];
}
