namespace ReferralNetwork.LinkWorkers.LinkWorkers;

/// <summary>A link worker of a link-worker service, with the caseload they can hold at once.</summary>
public sealed record LinkWorker(Guid Id, Guid LinkWorkerServiceId, string Name, int MaxActiveCases, DateTimeOffset CreatedAt);

/// <summary>
/// A community service as the link-worker service knows it, copied whole from the provider service's events
/// so matching needs no call to the provider service. The trailing fields default as an older message (or an
/// older stored copy) without them reads: free, all ages, active, no waitlist, confirmed when last listed.
/// Values are the contract's wire names (cost free|paid|donation, status active|inactive|defunct|temporarily-closed,
/// waitlist none|under-1-month|1-3-months|over-3-months).
/// </summary>
public sealed record DirectoryListing(
    Guid Id, Guid ProviderId, string ProviderName, string Name, IReadOnlyList<string> Categories, string Area, string ReferralMode,
    int CapacityMaximum, int CapacityAvailable, DateTimeOffset UpdatedAt,
    string? Description = null,
    string? Postcode = null,
    string? Schedule = null,
    string Cost = "free",
    int? MinAge = null,
    int? MaxAge = null,
    IReadOnlyList<string>? Accessibility = null,
    string Status = "active",
    string Waitlist = "none",
    DateTimeOffset? ConfirmedAt = null)
{
    /// <summary>When the provider last vouched for the listing; listing or editing it counts when no confirmation was sent.</summary>
    public DateTimeOffset LastConfirmed => ConfirmedAt ?? UpdatedAt;

    public bool IsActive => Status == "active";

    public bool TakesReferrals => ReferralMode == "direct";
}
