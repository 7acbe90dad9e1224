using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals.Read;

/// <summary>The referral view of partner-api.md §3.</summary>
public sealed record ReferralView(
    Guid Id,
    ReferralStatus Status,
    string? StatusReason,
    Pathway Pathway,
    IReadOnlyList<string> Needs,
    Urgency Urgency,
    string? Reason,
    Party Referrer,
    Party? LinkWorkerService,
    Party? LinkWorker,
    IReadOnlyList<OnwardReferralView> OnwardReferrals,
    PersonDetails Person,
    Consent Consent,
    string Area,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version)
{
    public static ReferralView From(Referral r) => new(
        r.Id, r.Status, r.StatusReason, r.Pathway, r.Needs, r.Urgency, r.Reason, r.Referrer, r.LinkWorkerService, r.LinkWorker,
        r.OnwardReferrals.Select(o => new OnwardReferralView(o.Id, o.ServiceId, o.ServiceName, o.Provider, o.Status, o.StatusReason)).ToList(),
        r.Person, r.Consent, r.Area, r.CreatedAt, r.UpdatedAt, r.Version);

    /// <summary>The view for a reader who gets codes only: no outcome of the close, no provider's free-text failure reason.</summary>
    public static ReferralView CodesOnlyFrom(Referral r) => From(r) with
    {
        StatusReason = CodesOnly.StatusReason(r.Status, r.StatusReason),
        OnwardReferrals = r.OnwardReferrals
            .Select(o => new OnwardReferralView(o.Id, o.ServiceId, o.ServiceName, o.Provider, o.Status, CodesOnly.OnwardReason(o.Status, o.StatusReason)))
            .ToList(),
    };
}

public sealed record OnwardReferralView(Guid Id, Guid ServiceId, string ServiceName, Party Provider, OnwardReferralStatus Status, string? StatusReason);
