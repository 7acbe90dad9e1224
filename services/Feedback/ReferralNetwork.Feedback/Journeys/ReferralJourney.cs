using System.Security.Cryptography;
using System.Text;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Contracts.Referrals;

namespace ReferralNetwork.Feedback.Journeys;

// What this service keeps of each referral's journey, recorded from the other services' integration
// events. Never the person: only who the parties are, the pathway, the area and when each step happened.

public sealed record JourneyRequested(Guid ReferralId, Pathway Pathway, string Area, Guid ReferrerId, OrganisationKind ReferrerKind, DateTimeOffset At)
{
    /// <summary>The consent's share-with-referrer value as it arrived; absent in journeys recorded before it was kept.</summary>
    public string? ShareWithReferrer { get; init; }
}

public sealed record JourneyRouted(Guid ReferralId, Guid LinkWorkerServiceId, DateTimeOffset At);

public sealed record JourneyAccepted(Guid ReferralId, Guid LinkWorkerServiceId, Guid LinkWorkerId, string LinkWorkerName, DateTimeOffset At);

public sealed record JourneyContactAttempted(Guid ReferralId, string Outcome, DateTimeOffset ContactedAt, DateTimeOffset At);

public sealed record JourneyRejected(Guid ReferralId, string Reason, DateTimeOffset At);

public sealed record JourneyPutOnHold(Guid ReferralId, DateTimeOffset At);

public sealed record JourneyResumed(Guid ReferralId, DateTimeOffset At);

public sealed record JourneyClosed(Guid ReferralId, ReferralStatus Status, string Outcome, DateTimeOffset At);

public sealed record JourneyCancelled(Guid ReferralId, string Reason, DateTimeOffset At);

public sealed record OnwardRequested(Guid OnwardReferralId, Guid ReferralId, Guid ServiceId, Guid ProviderId, DateTimeOffset At);

public sealed record OnwardAcknowledged(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, DateTimeOffset At);

public sealed record OnwardProgressed(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, OnwardReferralStep Step, OnwardReferralStatus Status, string? Reason, DateTimeOffset At);

public sealed record OnwardWithdrawn(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, string Reason, DateTimeOffset At);

/// <summary>One onward referral as the journey knows it.</summary>
public sealed record OnwardJourney(
    Guid Id, Guid? ServiceId, Guid ProviderId, OnwardReferralStatus Status, string? Reason, DateTimeOffset? RequestedAt, DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? StatusAt);

/// <summary>
/// The read model the reports query. Events from different services can arrive in any order, so
/// every event may start the stream and the status is derived from the facts, not from arrival order.
/// </summary>
public sealed record ReferralJourney(
    Guid Id,
    Guid ReferralId,
    Pathway? Pathway,
    string? Area,
    Guid? ReferrerId,
    DateTimeOffset? RequestedAt,
    Guid? LinkWorkerServiceId,
    Guid? LinkWorkerId,
    string? LinkWorkerName,
    DateTimeOffset? AcceptedAt,
    DateTimeOffset? FirstContactAttemptAt,
    DateTimeOffset? FirstReachedAt,
    string? RejectedReason,
    DateTimeOffset? RejectedAt,
    DateTimeOffset? OnHoldAt,
    DateTimeOffset? ResumedAt,
    ReferralStatus? ClosedStatus,
    string? ClosedOutcome,
    DateTimeOffset? ClosedAt,
    string? CancelledReason,
    DateTimeOffset? CancelledAt,
    IReadOnlyList<OnwardJourney> Onward)
{
    /// <summary>
    /// The person consented to the referrer seeing everything, goal texts included. False until the
    /// request says so explicitly, so a journey without it (older, or the request not yet arrived) is codes-only.
    /// </summary>
    public bool SharesFullWithReferrer { get; init; }

    public static ReferralJourney Empty(Guid referralId) => new(
        JourneyIds.For(referralId), referralId, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, []);

    public static ReferralJourney Create(JourneyRequested e) => Empty(e.ReferralId).Apply(e);

    public static ReferralJourney Create(JourneyRouted e) => Empty(e.ReferralId).Apply(e);

    public static ReferralJourney Create(JourneyAccepted e) => Empty(e.ReferralId).Apply(e);

    public static ReferralJourney Create(JourneyContactAttempted e) => Empty(e.ReferralId).Apply(e);

    public static ReferralJourney Create(JourneyRejected e) => Empty(e.ReferralId).Apply(e);

    public static ReferralJourney Create(JourneyPutOnHold e) => Empty(e.ReferralId).Apply(e);

    public static ReferralJourney Create(JourneyResumed e) => Empty(e.ReferralId).Apply(e);

    public static ReferralJourney Create(JourneyClosed e) => Empty(e.ReferralId).Apply(e);

    public static ReferralJourney Create(JourneyCancelled e) => Empty(e.ReferralId).Apply(e);

    public static ReferralJourney Create(OnwardRequested e) => Empty(e.ReferralId).Apply(e);

    public static ReferralJourney Create(OnwardAcknowledged e) => Empty(e.ReferralId).Apply(e);

    public static ReferralJourney Create(OnwardProgressed e) => Empty(e.ReferralId).Apply(e);

    public static ReferralJourney Create(OnwardWithdrawn e) => Empty(e.ReferralId).Apply(e);

    public ReferralJourney Apply(JourneyRequested e) =>
        this with
        {
            Pathway = e.Pathway, Area = e.Area, ReferrerId = e.ReferrerId, RequestedAt = e.At,
            SharesFullWithReferrer = ReferrerSharing.AllowsFull(e.ShareWithReferrer),
        };

    public ReferralJourney Apply(JourneyRouted e) => this with { LinkWorkerServiceId = e.LinkWorkerServiceId };

    public ReferralJourney Apply(JourneyAccepted e) => this with
    {
        LinkWorkerServiceId = e.LinkWorkerServiceId, LinkWorkerId = e.LinkWorkerId, LinkWorkerName = e.LinkWorkerName,
        AcceptedAt = Earliest(AcceptedAt, e.At),
    };

    public ReferralJourney Apply(JourneyContactAttempted e) => this with
    {
        FirstContactAttemptAt = Earliest(FirstContactAttemptAt, e.ContactedAt),
        FirstReachedAt = e.Outcome == "reached" ? Earliest(FirstReachedAt, e.ContactedAt) : FirstReachedAt,
    };

    public ReferralJourney Apply(JourneyRejected e) => this with { RejectedReason = e.Reason, RejectedAt = e.At };

    public ReferralJourney Apply(JourneyPutOnHold e) => this with { OnHoldAt = Latest(OnHoldAt, e.At) };

    public ReferralJourney Apply(JourneyResumed e) => this with { ResumedAt = Latest(ResumedAt, e.At) };

    public ReferralJourney Apply(JourneyClosed e) => this with { ClosedStatus = e.Status, ClosedOutcome = e.Outcome, ClosedAt = e.At };

    public ReferralJourney Apply(JourneyCancelled e) => this with { CancelledReason = e.Reason, CancelledAt = e.At };

    public ReferralJourney Apply(OnwardRequested e) => WithOnward(e.OnwardReferralId, e.ProviderId, o => o with
    {
        ServiceId = e.ServiceId, RequestedAt = e.At,
        // An acknowledgement may have overtaken the request; keep the later status.
        Status = o.StatusAt is null ? OnwardReferralStatus.Requested : o.Status,
        StatusAt = o.StatusAt ?? e.At,
    });

    public ReferralJourney Apply(OnwardAcknowledged e) => WithOnward(e.OnwardReferralId, e.ProviderId, o => o with
    {
        AcknowledgedAt = Earliest(o.AcknowledgedAt, e.At),
        Status = o.StatusAt is null || o.StatusAt <= e.At ? OnwardReferralStatus.Received : o.Status,
        StatusAt = Latest(o.StatusAt, e.At),
    });

    public ReferralJourney Apply(OnwardProgressed e) => WithOnward(e.OnwardReferralId, e.ProviderId, o =>
        // Reminders and escalations change nothing; otherwise the step with the latest time decides the status.
        e.Step is OnwardReferralStep.Reminded or OnwardReferralStep.Escalated || (o.StatusAt is { } at && at > e.At)
            ? o
            : o with { Status = e.Status, Reason = e.Reason ?? o.Reason, StatusAt = e.At });

    public ReferralJourney Apply(OnwardWithdrawn e) => WithOnward(e.OnwardReferralId, e.ProviderId, o =>
        o with { Status = OnwardReferralStatus.Cancelled, Reason = e.Reason, StatusAt = Latest(o.StatusAt, e.At) });

    /// <summary>The referral's status from what is known, whatever order the facts arrived in.</summary>
    public ReferralStatus Status =>
        CancelledAt is not null ? (CancelledReason == "entered-in-error" ? ReferralStatus.EnteredInError : ReferralStatus.Cancelled)
        : ClosedStatus is { } closed ? closed
        : RejectedAt is not null ? ReferralStatus.Rejected
        : OnHoldAt is { } held && (ResumedAt is null || ResumedAt < held) ? ReferralStatus.OnHold
        : FirstReachedAt is not null ? ReferralStatus.InProgress
        : AcceptedAt is not null ? ReferralStatus.Accepted
        : ReferralStatus.Requested;

    /// <summary>Whether the case counts towards its link worker's caseload.</summary>
    public bool IsActive => Status is ReferralStatus.Accepted or ReferralStatus.InProgress or ReferralStatus.OnHold;

    /// <summary>Written with the document for the report tables (<see cref="Reports.ReportTables"/>); never read back.</summary>
    public Reports.JourneyFigures ReportFigures => Reports.JourneyFigures.Of(this);

    private ReferralJourney WithOnward(Guid id, Guid providerId, Func<OnwardJourney, OnwardJourney> change)
    {
        var existing = Onward.FirstOrDefault(o => o.Id == id)
            ?? new OnwardJourney(id, null, providerId, OnwardReferralStatus.Requested, null, null, null, null);
        return this with { Onward = [.. Onward.Where(o => o.Id != id), change(existing)] };
    }

    private static DateTimeOffset Earliest(DateTimeOffset? known, DateTimeOffset candidate) => known is { } k && k <= candidate ? k : candidate;

    private static DateTimeOffset Latest(DateTimeOffset? known, DateTimeOffset candidate) => known is { } k && k >= candidate ? k : candidate;
}

public static class JourneyIds
{
    /// <summary>
    /// The journey's stream id: derived from the referral id because the referral id already names
    /// the referral's outcome stream, and stream ids are unique across the store.
    /// </summary>
    public static Guid For(Guid referralId) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes("referral-journey:" + referralId.ToString("N")))[..16]);
}
