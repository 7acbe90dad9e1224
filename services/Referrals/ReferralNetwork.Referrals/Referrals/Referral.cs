using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals;

public sealed record Party(Guid Id, string Name);

public sealed record OnwardReferral(
    Guid Id, Guid ServiceId, string ServiceName, Party Provider, OnwardReferralStatus Status, string? StatusReason);

/// <summary>
/// The referral as every party sees it, evolved from its events. Immutable: each Apply returns a new
/// state (Marten 9 requires these methods to be public).
/// </summary>
public sealed record Referral(
    Guid Id,
    ReferralStatus Status,
    Pathway Pathway,
    string Area,
    Guid ReferrerId,
    Party Referrer,
    Guid? LinkWorkerServiceId,
    Party? LinkWorkerService,
    Party? LinkWorker,
    IReadOnlyList<string> Needs,
    Urgency Urgency,
    string? Reason,
    PersonDetails Person,
    Consent Consent,
    IReadOnlyList<OnwardReferral> OnwardReferrals,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version)
{
    public static Referral Create(ReferralRequested e) => new(
        e.ReferralId, ReferralStatus.Requested, e.Pathway, e.Area, e.By.OrganisationId, new Party(e.By.OrganisationId, e.ReferrerName),
        null, null, null, e.Needs, e.Urgency, e.Reason, e.Person, e.Consent, [], e.At, e.At, 1);

    public Referral Apply(LinkWorkerServiceAssigned e) => Next(e.At) with
    {
        LinkWorkerServiceId = e.LinkWorkerServiceId,
        LinkWorkerService = new Party(e.LinkWorkerServiceId, e.LinkWorkerServiceName),
    };

    public Referral Apply(LinkWorkerAssigned e) => Next(e.At) with
    {
        Status = ReferralStatus.Accepted,
        LinkWorker = new Party(e.LinkWorkerId, e.LinkWorkerName),
    };

    public Referral Apply(ContactAttemptRecorded e) => Next(e.At) with
    {
        // Reaching the person is the first contact that starts the work.
        Status = e.Outcome == ContactOutcomes.Reached && Status == ReferralStatus.Accepted ? ReferralStatus.InProgress : Status,
    };

    public Referral Apply(OnwardReferralAdded e) => Next(e.At) with
    {
        OnwardReferrals = [.. OnwardReferrals, new OnwardReferral(
            e.OnwardReferralId, e.ServiceId, e.ServiceName, new Party(e.ProviderId, e.ProviderName), OnwardReferralStatus.Requested, null)],
    };

    public Referral Apply(OnwardReferralReceived e) => Next(e.At) with
    {
        OnwardReferrals = OnwardReferrals
            .Select(o => o.Id == e.OnwardReferralId ? o with { Status = OnwardReferralStatus.Received } : o)
            .ToList(),
    };

    public bool IsPartyOf(Guid organisationId) => ReferrerId == organisationId || LinkWorkerServiceId == organisationId;

    private Referral Next(DateTimeOffset at) => this with { UpdatedAt = at, Version = Version + 1 };
}

public static class ContactOutcomes
{
    public const string Reached = "reached";
    public const string NoAnswer = "no-answer";
    public const string LeftMessage = "left-message";

    public static readonly IReadOnlyList<string> All = [Reached, NoAnswer, LeftMessage];
}
