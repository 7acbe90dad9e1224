using System.Text.Json.Serialization;

namespace ReferralNetwork.CommunityProviders.Directory;

public enum Cost
{
    Free,
    Paid,
    Donation,
}

/// <summary>Direct services take onward referrals; signpost-only ones are given to the person to contact themselves.</summary>
public enum ReferralMode
{
    Direct,
    Signpost,
}

/// <summary>The HSDS service statuses; only active and temporarily-closed services are published as Open Referral.</summary>
public enum ServiceStatus
{
    Active,
    Inactive,
    Defunct,
    TemporarilyClosed,
}

/// <summary>How long someone waits for a place. Wire names start with digits, so they are spelled out.</summary>
public enum Waitlist
{
    [JsonStringEnumMemberName("none")]
    None,

    [JsonStringEnumMemberName("under-1-month")]
    UnderOneMonth,

    [JsonStringEnumMemberName("1-3-months")]
    OneToThreeMonths,

    [JsonStringEnumMemberName("over-3-months")]
    OverThreeMonths,
}

public static class WaitlistNames
{
    // WireNames.ToWire derives names from the enum member, which cannot start with a digit.
    public static string ToWire(this Waitlist waitlist) => waitlist switch
    {
        Waitlist.None => "none",
        Waitlist.UnderOneMonth => "under-1-month",
        Waitlist.OneToThreeMonths => "1-3-months",
        Waitlist.OverThreeMonths => "over-3-months",
        _ => throw new ArgumentOutOfRangeException(nameof(waitlist)),
    };
}

public sealed record Eligibility(int? MinAge, int? MaxAge);

public sealed record Capacity(int Maximum, int Available);

public sealed record ServiceDetails(
    string Name,
    string? Description,
    IReadOnlyList<string> Categories,
    string Area,
    string? Postcode,
    string? Schedule,
    Cost Cost,
    Eligibility Eligibility,
    IReadOnlyList<string> Accessibility,
    ReferralMode ReferralMode,
    Capacity Capacity);

/// <summary>Everything about a listing that can change after it is listed, as it stands after a change.</summary>
public sealed record Listing(ServiceDetails Details, ServiceStatus Status, Waitlist Waitlist, DateTimeOffset ConfirmedAt);

public sealed record ServiceListed(Guid ServiceId, Guid ProviderId, string ProviderName, ServiceDetails Details, DateTimeOffset At);

/// <summary>
/// A change to a listing. Each carries the whole listing after it (and the provider), because the relay
/// republishes the whole listing from the event alone and never loads the service.
/// </summary>
public interface IListingChange
{
    Guid ServiceId { get; }

    Guid ProviderId { get; }

    string ProviderName { get; }

    Listing Listing { get; }

    DateTimeOffset At { get; }
}

/// <summary>The provider rewrote the listing (PUT): details and status.</summary>
public sealed record ServiceEdited(Guid ServiceId, Guid ProviderId, string ProviderName, Listing Listing, DateTimeOffset At) : IListingChange;

/// <summary>The provider said how many places are free and how long the wait is.</summary>
public sealed record CapacityChanged(Guid ServiceId, Guid ProviderId, string ProviderName, Listing Listing, DateTimeOffset At) : IListingChange;

/// <summary>The provider confirmed the listing is still right, so it can be trusted as current.</summary>
public sealed record ListingConfirmed(Guid ServiceId, Guid ProviderId, string ProviderName, Listing Listing, DateTimeOffset At) : IListingChange;

/// <summary>
/// An accepted onward referral took a place and holds it until it ends. Beyond the maximum (the provider may accept
/// at zero) it still holds one, and the listing's available stays at zero.
/// </summary>
public sealed record PlaceTaken(Guid ServiceId, Guid ProviderId, string ProviderName, Guid OnwardReferralId, Listing Listing, DateTimeOffset At) : IListingChange;

/// <summary>An onward referral holding a place ended (completed, failed or cancelled) and gave its place back.</summary>
public sealed record PlaceFreed(Guid ServiceId, Guid ProviderId, string ProviderName, Guid OnwardReferralId, Listing Listing, DateTimeOffset At) : IListingChange;

/// <summary>An onward referral was turned away as at-capacity: counted, as the commissioner's sign of unmet demand.</summary>
public sealed record AtCapacityRejectionCounted(Guid ServiceId, Guid OnwardReferralId, DateTimeOffset At);

/// <summary>
/// A provider's listing in the community directory. Its available places are worked out, not counted up and down:
/// the maximum less the places held by onward referrals the provider accepted and has not yet seen end
/// (<paramref name="PlacesHeldBy"/>) and less the places the provider's own figure says are taken outside the network
/// (<paramref name="PlacesHeldBack"/>), never below zero (<see cref="Places"/>). Both are null in a snapshot stored
/// before places were followed this way; see <see cref="HeldBy"/> and <see cref="HeldBack"/>.
/// </summary>
public sealed record CommunityService(
    Guid Id,
    Guid ProviderId,
    string ProviderName,
    ServiceDetails Details,
    DateTimeOffset ListedAt,
    DateTimeOffset ConfirmedAt,
    long Version,
    ServiceStatus Status = ServiceStatus.Active,
    Waitlist Waitlist = Waitlist.None,
    int AtCapacityRejections = 0,
    DateTimeOffset? UpdatedAt = null,
    IReadOnlyList<Guid>? PlacesHeldBy = null,
    int? PlacesHeldBack = null)
{
    // A method, not a property, so it is not stored in the snapshot document twice.
    public Listing CurrentListing() => new(Details, Status, Waitlist, ConfirmedAt);

    /// <summary>The onward referrals holding a place now. An older snapshot knows none, so those accepted before it end without freeing one.</summary>
    public IReadOnlyList<Guid> HeldBy() => PlacesHeldBy ?? [];

    /// <summary>Places taken outside the network, as the provider last said; an older snapshot's are what its figures imply.</summary>
    public int HeldBack() => PlacesHeldBack ?? Places.HeldBack(Details.Capacity, HeldBy().Count);

    // Version is the stream's: Marten sets it after each event, so Create and Apply leave it alone.
    public static CommunityService Create(ServiceListed e) => new(
        e.ServiceId, e.ProviderId, e.ProviderName, e.Details, e.At, e.At, 0, UpdatedAt: e.At, PlacesHeldBy: [], PlacesHeldBack: Places.HeldBack(e.Details.Capacity, 0));

    public CommunityService Apply(ServiceEdited e) => Stated(e.Listing, e.At);

    public CommunityService Apply(CapacityChanged e) => Stated(e.Listing, e.At);

    public CommunityService Apply(ListingConfirmed e) => Changed(e.Listing, e.At);

    public CommunityService Apply(PlaceTaken e) =>
        Changed(e.Listing, e.At) with { PlacesHeldBy = [.. HeldBy().Where(id => id != e.OnwardReferralId), e.OnwardReferralId], PlacesHeldBack = HeldBack() };

    public CommunityService Apply(PlaceFreed e) =>
        Changed(e.Listing, e.At) with { PlacesHeldBy = [.. HeldBy().Where(id => id != e.OnwardReferralId)], PlacesHeldBack = HeldBack() };

    public CommunityService Apply(AtCapacityRejectionCounted e) =>
        this with { AtCapacityRejections = AtCapacityRejections + 1, UpdatedAt = e.At };

    /// <summary>
    /// The provider gave the figures: what they say is taken beyond the places held is held back. Figures the provider
    /// left as they were keep their meaning, so resending a listing as read changes nothing.
    /// </summary>
    private CommunityService Stated(Listing listing, DateTimeOffset at) => Changed(listing, at) with
    {
        PlacesHeldBy = HeldBy(),
        PlacesHeldBack = listing.Details.Capacity == Details.Capacity ? HeldBack() : Places.HeldBack(listing.Details.Capacity, HeldBy().Count),
    };

    private CommunityService Changed(Listing listing, DateTimeOffset at) => this with
    {
        Details = listing.Details,
        Status = listing.Status,
        Waitlist = listing.Waitlist,
        ConfirmedAt = listing.ConfirmedAt,
        UpdatedAt = at,
    };
}
