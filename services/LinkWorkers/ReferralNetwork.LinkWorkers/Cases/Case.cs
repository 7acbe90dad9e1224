using ReferralNetwork.Contracts;

namespace ReferralNetwork.LinkWorkers.Cases;

public sealed record CaseOnwardReferral(Guid Id, Guid ServiceId, string ServiceName, Guid ProviderId, string ProviderName, DateTimeOffset At);

public sealed record Contact(string Outcome, DateTimeOffset At);

/// <summary>A case evolved from its events; immutable, public Create/Apply for Marten's generator.</summary>
public sealed record Case(
    Guid Id,
    Guid LinkWorkerServiceId,
    ReferralStatus Status,
    Pathway Pathway,
    string Area,
    Guid ReferrerId,
    string ReferrerName,
    IReadOnlyList<string> Needs,
    Urgency Urgency,
    string? Reason,
    PersonDetails Person,
    Guid? LinkWorkerId,
    string? LinkWorkerName,
    IReadOnlyList<Contact> Contacts,
    IReadOnlyList<CaseOnwardReferral> OnwardReferrals,
    DateTimeOffset OpenedAt,
    DateTimeOffset UpdatedAt,
    long Version)
{
    public static Case Create(CaseOpened e) => new(
        e.ReferralId, e.LinkWorkerServiceId, ReferralStatus.Requested, e.Pathway, e.Area, e.ReferrerId, e.ReferrerName, e.Needs, e.Urgency,
        e.Reason, e.Person, null, null, [], [], e.At, e.At, 1);

    public Case Apply(CaseAccepted e) => Next(e.At) with
    {
        Status = ReferralStatus.Accepted,
        LinkWorkerId = e.LinkWorkerId,
        LinkWorkerName = e.LinkWorkerName,
    };

    public Case Apply(ContactRecorded e) => Next(e.At) with
    {
        Contacts = [.. Contacts, new Contact(e.Outcome, e.ContactedAt)],
        Status = e.Outcome == ContactOutcomes.Reached && Status == ReferralStatus.Accepted ? ReferralStatus.InProgress : Status,
    };

    public Case Apply(OnwardReferralMade e) => Next(e.At) with
    {
        OnwardReferrals = [.. OnwardReferrals, new CaseOnwardReferral(e.OnwardReferralId, e.ServiceId, e.ServiceName, e.ProviderId, e.ProviderName, e.At)],
    };

    /// <summary>The state after one more event (what the command handlers return without reloading).</summary>
    public Case After(object @event) => @event switch
    {
        CaseAccepted e => Apply(e),
        ContactRecorded e => Apply(e),
        OnwardReferralMade e => Apply(e),
        _ => throw new ArgumentException($"A case does not change with {@event.GetType().Name}.", nameof(@event)),
    };

    /// <summary>Counts against the link worker's caseload.</summary>
    public bool IsActive => Status is ReferralStatus.Accepted or ReferralStatus.InProgress or ReferralStatus.OnHold;

    private Case Next(DateTimeOffset at) => this with { UpdatedAt = at, Version = Version + 1 };
}

public static class ContactOutcomes
{
    public const string Reached = "reached";

    public static readonly IReadOnlyList<string> All = [Reached, "no-answer", "left-message"];
}
