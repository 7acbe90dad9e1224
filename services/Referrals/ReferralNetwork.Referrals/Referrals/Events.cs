using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals;

// The referral stream's own events. Person data lives only in ReferralRequested, which has a
// masking rule so it can be erased (see ReferralStore).

public enum ShareWithReferrer
{
    Full,
    CodesOnly,
}

public sealed record Consent(bool Given, DateTimeOffset RecordedAt, ShareWithReferrer ShareWithReferrer);

public sealed record ReferralRequested(
    Guid ReferralId,
    Pathway Pathway,
    string Area,
    Actor By,
    string ReferrerName,
    IReadOnlyList<string> Needs,
    Urgency Urgency,
    string? Reason,
    PersonDetails Person,
    Consent Consent,
    DateTimeOffset At);

public sealed record LinkWorkerServiceAssigned(Guid ReferralId, Guid LinkWorkerServiceId, string LinkWorkerServiceName, DateTimeOffset At);

public sealed record LinkWorkerAssigned(Guid ReferralId, Actor By, Guid LinkWorkerId, string LinkWorkerName, DateTimeOffset At);

public sealed record ContactAttemptRecorded(Guid ReferralId, Actor By, string Outcome, DateTimeOffset ContactedAt, DateTimeOffset At);

public sealed record OnwardReferralAdded(
    Guid ReferralId, Actor By, Guid OnwardReferralId, Guid ServiceId, string ServiceName, Guid ProviderId, string ProviderName, DateTimeOffset At);

public sealed record OnwardReferralReceived(Guid ReferralId, Actor By, Guid OnwardReferralId, DateTimeOffset At);
