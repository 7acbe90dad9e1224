namespace ReferralNetwork.Contracts.Feedback;

/// <summary>A wellbeing measure was recorded for a referral. Carries scores only, never the person.</summary>
public sealed record OutcomeRecorded(
    Guid OutcomeId, Guid ReferralId, string Instrument, string Timepoint, IReadOnlyDictionary<string, decimal> Scores, DateTimeOffset At);
