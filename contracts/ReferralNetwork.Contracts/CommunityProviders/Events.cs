namespace ReferralNetwork.Contracts.CommunityProviders;

/// <summary>A provider listed or changed one of its services in the community directory.</summary>
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
    DateTimeOffset At);

/// <summary>The provider acknowledged an onward referral (status received).</summary>
public sealed record OnwardReferralAcknowledged(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, DateTimeOffset At);
