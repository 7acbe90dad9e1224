namespace ReferralNetwork.Contracts.Referrals;

/// <summary>A referrer (or the person) asked for social prescribing support.</summary>
public sealed record ReferralRequested(
    Guid ReferralId,
    Pathway Pathway,
    string Area,
    Guid ReferrerId,
    string ReferrerName,
    OrganisationKind ReferrerKind,
    IReadOnlyList<string> Needs,
    Urgency Urgency,
    string? Reason,
    PersonDetails Person,
    DateTimeOffset At)
{
    /// <summary>
    /// The person's consent on what the referrer may be told: <see cref="ReferrerSharing.Full"/> or
    /// <see cref="ReferrerSharing.CodesOnly"/> (partner-api.md §3). Added after the first version, so
    /// older messages lack it; readers treat anything but "full" as codes-only.
    /// </summary>
    public string? ShareWithReferrer { get; init; }
}

/// <summary>The wire values of a referral's consent to share with its referrer, and the one safe way to read them.</summary>
public static class ReferrerSharing
{
    public const string Full = "full";

    public const string CodesOnly = "codes-only";

    /// <summary>Only an explicit "full" lets free text about the person reach the referrer: missing or unknown fails closed.</summary>
    public static bool AllowsFull(string? shareWithReferrer) => shareWithReferrer == Full;
}
