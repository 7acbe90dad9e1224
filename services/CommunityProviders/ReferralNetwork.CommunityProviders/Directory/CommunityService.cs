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

public sealed record ServiceListed(Guid ServiceId, Guid ProviderId, string ProviderName, ServiceDetails Details, DateTimeOffset At);

/// <summary>A provider's listing in the community directory.</summary>
public sealed record CommunityService(
    Guid Id, Guid ProviderId, string ProviderName, ServiceDetails Details, DateTimeOffset ListedAt, DateTimeOffset ConfirmedAt, long Version)
{
    public static CommunityService Create(ServiceListed e) => new(e.ServiceId, e.ProviderId, e.ProviderName, e.Details, e.At, e.At, 1);
}
