using ReferralNetwork.Contracts;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Outcomes;

namespace ReferralNetwork.Feedback.Reports;

// What the summary report reads of each document, worked out by the same rules as SummaryReports.Compose
// and written into the document's JSON, from where ReportTables' triggers copy it into narrow tables that
// PostgreSQL counts and ranks without parsing a million documents. Times are UTC ticks and waits are tick
// differences, so the period's boundaries and the hours reported are exactly those of the in-memory report.

/// <summary>One journey as the report sees it. Keys are the report's own: wire values, reasons with their defaults.</summary>
public sealed record JourneyFigures(
    Guid ReferralId,
    string? Area,
    long? RequestedTicks,
    string? Pathway,
    string Status,
    bool Accepted,
    bool Reached,
    bool Completed,
    string? RejectedKey,
    string? FailedKey,
    string? CancelledKey,
    long? ToAcceptanceTicks,
    long? ToFirstContactAttemptTicks,
    long? ToFirstReachedTicks,
    Guid? LinkWorkerId,
    string? LinkWorkerName,
    long? AcceptedTicks,
    bool Active,
    IReadOnlyList<OnwardFigures> Onward)
{
    public static JourneyFigures Of(ReferralJourney j) => new(
        j.ReferralId, j.Area, j.RequestedAt?.UtcTicks, j.Pathway?.ToWire(), j.Status.ToWire(),
        j.AcceptedAt is not null, j.FirstReachedAt is not null, j.ClosedStatus == ReferralStatus.Completed,
        j.RejectedAt is not null && j.CancelledAt is null ? j.RejectedReason ?? "other" : null,
        j.ClosedStatus == ReferralStatus.Failed ? j.ClosedOutcome ?? "other" : null,
        j.CancelledAt is not null ? j.CancelledReason ?? "revoked" : null,
        Wait(j.RequestedAt, j.AcceptedAt), Wait(j.RequestedAt, j.FirstContactAttemptAt), Wait(j.RequestedAt, j.FirstReachedAt),
        j.LinkWorkerId, j.LinkWorkerName, j.AcceptedAt?.UtcTicks, j.IsActive,
        j.Onward.Select(o => new OnwardFigures(
            o.Id, o.Status.ToWire(), o.Status == OnwardReferralStatus.Rejected ? o.Reason ?? "other" : null, Wait(o.RequestedAt, o.AcknowledgedAt))).ToList());

    internal static long? Wait(DateTimeOffset? from, DateTimeOffset? to) => from is { } a && to is { } b ? (b - a).Ticks : null;
}

/// <summary>One onward referral as the report sees it.</summary>
public sealed record OnwardFigures(Guid Id, string Status, string? RejectedKey, long? ToAcknowledgementTicks);

/// <summary>
/// A referral's baseline → follow-up change per reported score, null without a pair. Goals are kept as the
/// sum and count of the per-goal changes, so the mean over referrals can be taken exactly.
/// </summary>
public sealed record OutcomeFigures(
    decimal? SwemwbsMetric, decimal? WemwbsTotal, decimal? LifeSatisfaction, decimal? Worthwhile, decimal? Happiness, decimal? Anxiety,
    decimal? GoalChangeSum, int? GoalCount)
{
    public static OutcomeFigures Of(IReadOnlyList<Measure> measures)
    {
        var changes = OutcomeChange.For(measures).ToDictionary(c => c.Instrument, c => c.Change);
        decimal? Score(Instrument instrument, string score) =>
            changes.TryGetValue(instrument, out var change) && change.TryGetValue(score, out var value) ? value : null;
        var goals = changes.GetValueOrDefault(Instrument.Goals);
        var goalsPaired = goals is { Count: > 0 };
        return new OutcomeFigures(
            Score(Instrument.Swemwbs, "metric"), Score(Instrument.Wemwbs, "total"),
            Score(Instrument.Ons4, "lifeSatisfaction"), Score(Instrument.Ons4, "worthwhile"), Score(Instrument.Ons4, "happiness"), Score(Instrument.Ons4, "anxiety"),
            goalsPaired ? goals!.Values.Sum() : null, goalsPaired ? goals!.Count : null);
    }
}
