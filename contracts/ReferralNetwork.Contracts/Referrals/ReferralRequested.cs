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
    DateTimeOffset At);
