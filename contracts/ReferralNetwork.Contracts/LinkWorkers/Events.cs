namespace ReferralNetwork.Contracts.LinkWorkers;

/// <summary>The referral reached the link-worker service of its area.</summary>
public sealed record ReferralRouted(Guid ReferralId, Guid LinkWorkerServiceId, string LinkWorkerServiceName, DateTimeOffset At);

/// <summary>The link-worker service took the referral on and assigned a link worker.</summary>
public sealed record ReferralAccepted(
    Guid ReferralId, Guid LinkWorkerServiceId, Guid LinkWorkerId, string LinkWorkerName, DateTimeOffset At);

/// <summary>A link worker tried to contact the person; <paramref name="Outcome"/> is reached, no-answer or left-message.</summary>
public sealed record ContactAttempted(Guid ReferralId, Guid LinkWorkerServiceId, string Outcome, DateTimeOffset ContactedAt, DateTimeOffset At);

/// <summary>The link worker referred the person on to a community service.</summary>
public sealed record OnwardReferralRequested(
    Guid OnwardReferralId,
    Guid ReferralId,
    Guid LinkWorkerServiceId,
    Guid ServiceId,
    string ServiceName,
    Guid ProviderId,
    string ProviderName,
    IReadOnlyList<string> Needs,
    string? Note,
    OnwardReferralPerson Person,
    DateTimeOffset At);

/// <summary>Only what a community provider needs to know about the person: no NHS number, no date of birth.</summary>
public sealed record OnwardReferralPerson(
    string GivenName, string FamilyName, string? Phone, string? Email, string? PreferredContact, string? Language, string? AccessibilityNeeds);
