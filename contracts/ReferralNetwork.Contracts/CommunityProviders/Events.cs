namespace ReferralNetwork.Contracts.CommunityProviders;

/// <summary>
/// A provider listed or changed one of its services in the community directory (also when its
/// capacity changes or the provider confirms the listing): the whole listing as it now stands,
/// so other services keep a full copy for matching. Values are wire names: cost free|paid|donation,
/// referral mode direct|signpost, status active|inactive|defunct|temporarily-closed, waitlist
/// none|under-1-month|1-3-months|over-3-months.
/// </summary>
public sealed record CommunityServiceListed(
    Guid ServiceId,
    Guid ProviderId,
    string ProviderName,
    string Name,
    IReadOnlyList<string> Categories,
    string Area,
    string ReferralMode,
    int CapacityMaximum,
    int CapacityAvailable,
    DateTimeOffset At,
    string? Description = null,
    string? Postcode = null,
    string? Schedule = null,
    string Cost = "free",
    int? MinAge = null,
    int? MaxAge = null,
    IReadOnlyList<string>? Accessibility = null,
    string Status = "active",
    string Waitlist = "none",
    DateTimeOffset? ConfirmedAt = null);

/// <summary>
/// An onward referral reached its provider's inbox; <paramref name="At"/> is when, by the provider service's clock (its
/// acknowledgement deadlines count from then). No status change: the link-worker service learns it was not lost.
/// </summary>
public sealed record OnwardReferralArrived(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, DateTimeOffset At);

/// <summary>The provider acknowledged an onward referral (status received).</summary>
public sealed record OnwardReferralAcknowledged(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, DateTimeOffset At);

/// <summary>What a provider did with an onward referral, or what its acknowledgement deadline did.</summary>
public enum OnwardReferralStep
{
    /// <summary>Provider accepted it (status accepted).</summary>
    Accepted,

    /// <summary>Provider declined it with a reason such as at-capacity (status rejected).</summary>
    Rejected,

    /// <summary>An attendance was recorded; the first attended one makes it in-progress.</summary>
    AttendanceRecorded,

    /// <summary>Provider completed it (status completed).</summary>
    Completed,

    /// <summary>Provider or the acknowledgement deadline failed it (status failed; no-response when it expired).</summary>
    Failed,

    /// <summary>Not acknowledged in time: the provider was nudged (no status change).</summary>
    Reminded,

    /// <summary>Still not acknowledged: escalated to the link worker (no status change).</summary>
    Escalated,

    /// <summary>Cancelled because the link worker withdrew it or the referral was cancelled.</summary>
    Cancelled,
}

/// <summary>
/// One step in an onward referral's life at the provider. <paramref name="Status"/> is the status after
/// the step; <paramref name="Reason"/> carries a rejection or failure reason; attendance steps carry
/// <paramref name="AttendanceDate"/> and <paramref name="Attended"/>.
/// </summary>
public sealed record OnwardReferralProgressed(
    Guid OnwardReferralId,
    Guid ReferralId,
    Guid ProviderId,
    OnwardReferralStep Step,
    OnwardReferralStatus Status,
    string? Reason,
    string? Note,
    DateOnly? AttendanceDate,
    bool? Attended,
    DateTimeOffset At);
