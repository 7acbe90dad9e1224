using System.Text.Json;

namespace ReferralNetwork.Web.Caseload;

// The link-worker service's resources as the partner API gives them (§4, §6). Codes stay codes here; CaseloadWords
// says them in words.

/// <summary>A case: a referral routed to the service (the case id is the referral id).</summary>
public sealed record Case(
    Guid Id,
    string Status,
    string Pathway,
    string ReferrerName,
    IReadOnlyList<string> Needs,
    string Urgency,
    string? Reason,
    CasePerson Person,
    Guid? LinkWorkerId,
    string? LinkWorkerName,
    IReadOnlyList<CaseContact> Contacts,
    IReadOnlyList<CaseOnwardReferral> OnwardReferrals,
    string? RejectionReason,
    string? Outcome,
    string? Summary,
    DateTimeOffset OpenedAt,
    DateTimeOffset UpdatedAt,
    long Version,
    CaseAssessment? Assessment,
    DateTimeOffset? AcceptedAt)
{
    /// <summary>Waiting for the service to take it on or turn it down.</summary>
    public bool Waiting => Status == "requested";

    /// <summary>Held by a link worker: the work with the person goes on.</summary>
    public bool Active => Status is "accepted" or "in-progress" or "on-hold";

    public bool OnHold => Status == "on-hold";

    /// <summary>Referred on to this service already (a service takes one onward referral per person).</summary>
    public bool ReferredTo(Guid serviceId) => OnwardReferrals.Any(o => o.ServiceId == serviceId);
}

/// <summary>The person, as much as the case gives the link-worker service (all of the referral's details).</summary>
public sealed record CasePerson(
    string GivenName, string FamilyName, DateOnly DateOfBirth, string? NhsNumber, string? Postcode, string? Phone, string? Email,
    string? PreferredContact, string? Language, string? AccessibilityNeeds)
{
    public string FullName => $"{GivenName} {FamilyName}";
}

public sealed record CaseContact(string Outcome, DateTimeOffset At);

public sealed record CaseAssessment(string WhatMatters, IReadOnlyList<string> Needs, IReadOnlyList<string> Interests, IReadOnlyList<string> Barriers, DateTimeOffset At);

public sealed record CaseOnwardReferral(
    Guid Id, Guid ServiceId, string ServiceName, Guid ProviderId, string ProviderName, DateTimeOffset At, string Status, string? StatusReason,
    bool Escalated, DateTimeOffset? ArrivedAt);

/// <summary>A link worker of the service with their caseload.</summary>
public sealed record LinkWorker(
    Guid Id, string Name, int MaxActiveCases, int ActiveCases, int PeoplePerYear, int PeoplePerYearGuidance, bool OverGuidance, bool HasRoom);

/// <summary>A community service matched to the person, with the reasons and the places it has.</summary>
public sealed record CaseMatch(
    Guid ServiceId, string Name, string ProviderName, int Score, IReadOnlyList<string> Reasons, MatchCapacity Capacity, string ReferralMode)
{
    public bool TakesReferrals => ReferralMode == "direct";
}

public sealed record MatchCapacity(int Available, int Maximum, string Waitlist);

/// <summary>What POST …/onward-referrals answers: the onward referral, and anything the link worker should know (no places now).</summary>
public sealed record OnwardReferralMade(Guid Id, string Status, IReadOnlyList<string>? Warnings);

/// <summary>One step of the case's story: no person data and no free text, only who did what when.</summary>
public sealed record TimelineStep(long Sequence, string Type, DateTimeOffset At, TimelineActor By, string Summary);

public sealed record TimelineActor(Guid OrganisationId, string Role, Guid? PersonId);

/// <summary>GET /api/outcomes?referralId=: the measures taken and, per instrument, the change from baseline to follow-up.</summary>
public sealed record ReferralOutcomes(Guid ReferralId, IReadOnlyList<Measure> Measures, IReadOnlyList<MeasureChange> Changes);

/// <summary>One measure, its score shaped by its instrument (SWEMWBS raw and metric, ONS4 items with bands …).</summary>
public sealed record Measure(Guid Id, string Instrument, string Timepoint, JsonElement Score, DateTimeOffset RecordedAt);

public sealed record MeasureChange(string Instrument, Guid BaselineId, Guid FollowUpId, IReadOnlyDictionary<string, decimal> Change);

/// <summary>A person of the service, as GET /api/organisations/{id}/people gives them to its administrators.</summary>
public sealed record Colleague(Guid Id, string Name);
