using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.LinkWorkers.LinkWorkers;

namespace ReferralNetwork.LinkWorkers.Cases;

// What can be asked of a case, each decided by CaseDecider.Decide. Now is the time the command is handled.

public sealed record AcceptCase(LinkWorker LinkWorker, DateTimeOffset Now);

public sealed record RecordContact(string Outcome, DateTimeOffset ContactedAt, DateTimeOffset Now);

public sealed record RecordAssessment(
    string WhatMatters, IReadOnlyList<string> Needs, IReadOnlyList<string> Interests, IReadOnlyList<string> Barriers, DateTimeOffset Now);

public sealed record ReferOn(Guid OnwardReferralId, DirectoryListing Service, string? Note, DateTimeOffset Now);

public sealed record RejectCase(RejectionReason Reason, string? Note, DateTimeOffset Now);

public sealed record PutCaseOnHold(string? Note, DateTimeOffset Now);

public sealed record ResumeCase(DateTimeOffset Now);

public sealed record CloseCase(CaseOutcome Outcome, string Summary, DateTimeOffset Now);

public sealed record WithdrawOnwardReferral(Guid OnwardReferralId, string? Note, DateTimeOffset Now);

/// <summary>The referrer cancelled the referral (a fact from its owner, at <paramref name="At"/>).</summary>
public sealed record CancelCase(string Reason, string? Note, DateTimeOffset At);

/// <summary>An onward referral reached the provider's inbox.</summary>
public sealed record MirrorArrival(Guid OnwardReferralId, DateTimeOffset At);

/// <summary>The provider acknowledged an onward referral.</summary>
public sealed record MirrorAcknowledgement(Guid OnwardReferralId, DateTimeOffset At);

/// <summary>A step the provider (or its acknowledgement deadline) took on an onward referral.</summary>
public sealed record MirrorProgress(Guid OnwardReferralId, OnwardReferralStep Step, OnwardReferralStatus Status, string? Reason, DateTimeOffset At);
