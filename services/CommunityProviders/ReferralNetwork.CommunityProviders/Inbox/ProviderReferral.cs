using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;

namespace ReferralNetwork.CommunityProviders.Inbox;

// An onward referral as the provider holding it sees it (stream id = onward referral id).

/// <summary>
/// An onward referral landed in the provider's inbox. <paramref name="At"/> is when the link worker referred
/// on (the message's time, as it always was); <paramref name="ArrivedAt"/> is when it arrived here, by this
/// service's clock, and is what the acknowledgement deadlines count from. Events stored before the arrival
/// was recorded have none, and count from <paramref name="At"/> as they always did.
/// </summary>
public sealed record OnwardReferralArrived(
    Guid OnwardReferralId,
    Guid ReferralId,
    Guid ProviderId,
    Guid ServiceId,
    string ServiceName,
    Guid LinkWorkerServiceId,
    IReadOnlyList<string> Needs,
    string? Note,
    OnwardReferralPerson Person,
    DateTimeOffset At,
    DateTimeOffset? ArrivedAt = null);

public sealed record OnwardReferralAcknowledged(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, DateTimeOffset At);

public sealed record OnwardReferralAccepted(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, DateTimeOffset At);

/// <summary>Why a provider declines an onward referral; at-capacity ones are counted in the commissioner's reports.</summary>
public enum RejectionReason
{
    AtCapacity,
    NotEligible,
    OutOfArea,
    Other,
}

public sealed record OnwardReferralRejected(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, RejectionReason Reason, string? Note, DateTimeOffset At);

/// <summary>A session the person was expected at. <paramref name="Status"/> is the status after it (the first attended one starts the work).</summary>
public sealed record AttendanceRecorded(
    Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, DateOnly Date, bool Attended, OnwardReferralStatus Status, DateTimeOffset At);

public sealed record OnwardReferralCompleted(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, string Summary, DateTimeOffset At);

public sealed record OnwardReferralFailed(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, string Reason, DateTimeOffset At);

/// <summary>Not acknowledged in time: the provider is nudged.</summary>
public sealed record OnwardReferralReminded(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, DateTimeOffset At);

/// <summary>Still not acknowledged: the link worker is told so they can chase it or refer elsewhere.</summary>
public sealed record OnwardReferralEscalated(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, Guid LinkWorkerServiceId, DateTimeOffset At);

/// <summary>Never acknowledged: it fails with reason <see cref="ProviderReferral.NoResponse"/>.</summary>
public sealed record OnwardReferralExpired(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, DateTimeOffset At);

/// <summary>The link-worker side withdrew it (withdrawn) or the referral was cancelled (referral-cancelled).</summary>
public sealed record OnwardReferralCancelled(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, string Reason, DateTimeOffset At);

public sealed record Attendance(DateOnly Date, bool Attended, DateTimeOffset RecordedAt);

/// <summary>
/// An onward referral in a provider's inbox. <paramref name="ReceivedAt"/> is when it arrived in the inbox
/// (the acknowledgement deadlines count from it); <paramref name="ReferredAt"/> is when the link worker
/// referred on, which a delayed delivery can put well before. Onward referrals stored before the arrival was
/// recorded have the referral time as <paramref name="ReceivedAt"/> and no <paramref name="ReferredAt"/>.
/// </summary>
public sealed record ProviderReferral(
    Guid Id,
    Guid ReferralId,
    Guid ProviderId,
    Guid ServiceId,
    string ServiceName,
    Guid LinkWorkerServiceId,
    OnwardReferralStatus Status,
    string? StatusReason,
    string? StatusNote,
    IReadOnlyList<string> Needs,
    string? Note,
    OnwardReferralPerson Person,
    IReadOnlyList<Attendance> Attendances,
    string? Summary,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? RemindedAt,
    DateTimeOffset? EscalatedAt,
    DateTimeOffset UpdatedAt,
    long Version,
    bool TakenOn = false,
    DateTimeOffset? ReferredAt = null)
{
    public const string NoResponse = "no-response";

    private static readonly OnwardReferralPerson Withheld = new("(withheld)", "(withheld)", null, null, null, null, null);

    /// <summary>
    /// Whether the provider still needs the person: not after it rejected the onward referral or it was
    /// cancelled, nor after it failed one it never took on (the referral service's OnwardAccess rule).
    /// </summary>
    public bool HoldsPerson => Status switch
    {
        OnwardReferralStatus.Rejected or OnwardReferralStatus.Cancelled => false,
        OnwardReferralStatus.Failed => TakenOn,
        _ => true,
    };

    /// <summary>The onward referral as its provider may read it now: without the person or the link worker's note once it no longer holds them.</summary>
    /// <summary>
    /// The latest the provider can acknowledge before the onward referral fails with no response, while that is
    /// still to do; only in the provider's view (it follows the deadlines configured now, so it is never stored).
    /// </summary>
    public DateTimeOffset? AcknowledgeBy { get; init; }

    public ProviderReferral AsSeenByProvider(AcknowledgementPolicy policy) => (HoldsPerson ? this : this with { Person = Withheld, Note = null }) with
    {
        AcknowledgeBy = Status == OnwardReferralStatus.Requested && AcknowledgedAt is null ? ReceivedAt + policy.ExpireAfter : null,
    };

    // Version is the stream's: Marten sets it after each event, so Create and Apply leave it alone.
    public static ProviderReferral Create(OnwardReferralArrived e)
    {
        var arrived = e.ArrivedAt ?? e.At;
        return new(
            e.OnwardReferralId, e.ReferralId, e.ProviderId, e.ServiceId, e.ServiceName, e.LinkWorkerServiceId, OnwardReferralStatus.Requested, null, null,
            e.Needs, e.Note, e.Person, [], null, arrived, null, null, null, arrived, 0, ReferredAt: e.At);
    }

    public ProviderReferral Apply(OnwardReferralAcknowledged e) =>
        this with { Status = OnwardReferralStatus.Received, AcknowledgedAt = e.At, UpdatedAt = e.At };

    public ProviderReferral Apply(OnwardReferralAccepted e) => Moved(OnwardReferralStatus.Accepted, null, null, e.At) with { TakenOn = true };

    public ProviderReferral Apply(OnwardReferralRejected e) => Moved(OnwardReferralStatus.Rejected, e.Reason.ToWire(), e.Note, e.At);

    public ProviderReferral Apply(AttendanceRecorded e) =>
        this with { Status = e.Status, Attendances = [.. Attendances, new Attendance(e.Date, e.Attended, e.At)], UpdatedAt = e.At };

    public ProviderReferral Apply(OnwardReferralCompleted e) => Moved(OnwardReferralStatus.Completed, null, null, e.At) with { Summary = e.Summary };

    public ProviderReferral Apply(OnwardReferralFailed e) => Moved(OnwardReferralStatus.Failed, e.Reason, null, e.At);

    public ProviderReferral Apply(OnwardReferralReminded e) => this with { RemindedAt = e.At, UpdatedAt = e.At };

    public ProviderReferral Apply(OnwardReferralEscalated e) => this with { EscalatedAt = e.At, UpdatedAt = e.At };

    public ProviderReferral Apply(OnwardReferralExpired e) => Moved(OnwardReferralStatus.Failed, NoResponse, null, e.At);

    public ProviderReferral Apply(OnwardReferralCancelled e) => Moved(OnwardReferralStatus.Cancelled, e.Reason, null, e.At);

    private ProviderReferral Moved(OnwardReferralStatus status, string? reason, string? note, DateTimeOffset at) =>
        this with { Status = status, StatusReason = reason, StatusNote = note, UpdatedAt = at };
}
