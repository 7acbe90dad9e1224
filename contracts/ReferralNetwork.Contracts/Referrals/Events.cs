namespace ReferralNetwork.Contracts.Referrals;

/// <summary>
/// The referrer cancelled the referral: <paramref name="Reason"/> is revoked (circumstances changed)
/// or entered-in-error. Open onward referrals are cancelled with it.
/// </summary>
public sealed record ReferralCancelled(Guid ReferralId, Guid ReferrerId, string Reason, string? Note, DateTimeOffset At);
