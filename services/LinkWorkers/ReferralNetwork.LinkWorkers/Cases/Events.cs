using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;

namespace ReferralNetwork.LinkWorkers.Cases;

// Person data sits in CaseOpened and OnwardReferralMade only; both have masking rules for erasure.
// A case is a referral as the link-worker service of its area holds it (case id = referral id).

public sealed record CaseOpened(
    Guid ReferralId,
    Guid LinkWorkerServiceId,
    string LinkWorkerServiceName,
    Pathway Pathway,
    string Area,
    Guid ReferrerId,
    string ReferrerName,
    IReadOnlyList<string> Needs,
    Urgency Urgency,
    string? Reason,
    PersonDetails Person,
    DateTimeOffset At);

public sealed record CaseAccepted(Guid ReferralId, Guid LinkWorkerServiceId, Guid LinkWorkerId, string LinkWorkerName, DateTimeOffset At);

public sealed record ContactRecorded(Guid ReferralId, Guid LinkWorkerServiceId, string Outcome, DateTimeOffset ContactedAt, DateTimeOffset At);

public sealed record OnwardReferralMade(
    Guid ReferralId,
    Guid LinkWorkerServiceId,
    Guid OnwardReferralId,
    Guid ServiceId,
    string ServiceName,
    Guid ProviderId,
    string ProviderName,
    string? Note,
    IReadOnlyList<string> Needs,
    OnwardReferralPerson Person,
    DateTimeOffset At);
