namespace ReferralNetwork.Web.Components;

/// <summary>A message on the referral, from any of its parties (partner-api.md §3).</summary>
public sealed record ReferralMessage(Guid Id, string Text, DateTimeOffset At, MessageAuthor By);

public sealed record MessageAuthor(Guid OrganisationId, string Kind, string Name);
