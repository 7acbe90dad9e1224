using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;

namespace ReferralNetwork.CommunityProviders.Inbox;

// An onward referral as the provider holding it sees it (stream id = onward referral id).

public sealed record OnwardReferralArrived(
    Guid OnwardReferralId,
    Guid ReferralId,
    Guid ProviderId,
    Guid ServiceId,
    string ServiceName,
    Guid LinkWorkerServiceId,
    IReadOnlyList<string> Needs,
    string? Note,
    OnwardReferralPerson Person,
    DateTimeOffset At);

public sealed record OnwardReferralAcknowledged(Guid OnwardReferralId, Guid ReferralId, Guid ProviderId, DateTimeOffset At);

public sealed record ProviderReferral(
    Guid Id,
    Guid ReferralId,
    Guid ProviderId,
    Guid ServiceId,
    string ServiceName,
    Guid LinkWorkerServiceId,
    OnwardReferralStatus Status,
    IReadOnlyList<string> Needs,
    string? Note,
    OnwardReferralPerson Person,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset UpdatedAt,
    long Version)
{
    public static ProviderReferral Create(OnwardReferralArrived e) => new(
        e.OnwardReferralId, e.ReferralId, e.ProviderId, e.ServiceId, e.ServiceName, e.LinkWorkerServiceId, OnwardReferralStatus.Requested,
        e.Needs, e.Note, e.Person, e.At, null, e.At, 1);

    public ProviderReferral Apply(OnwardReferralAcknowledged e) =>
        this with { Status = OnwardReferralStatus.Received, AcknowledgedAt = e.At, UpdatedAt = e.At, Version = Version + 1 };
}
