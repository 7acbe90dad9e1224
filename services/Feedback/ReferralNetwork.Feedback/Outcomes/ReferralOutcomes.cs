using ReferralNetwork.Contracts;

namespace ReferralNetwork.Feedback.Outcomes;

/// <summary>A measure taken for a referral. Responses only; scores are computed from them when read.</summary>
public sealed record MeasureRecorded(
    Guid OutcomeId, Guid ReferralId, Instrument Instrument, Timepoint Timepoint, IReadOnlyList<int>? Responses, IReadOnlyList<GoalScore>? Goals,
    Actor By, DateTimeOffset At);

public sealed record Measure(Guid Id, Instrument Instrument, Timepoint Timepoint, IReadOnlyList<int>? Responses, IReadOnlyList<GoalScore>? Goals, DateTimeOffset RecordedAt);

/// <summary>Every measure taken for one referral (stream id = referral id).</summary>
public sealed record ReferralOutcomes(Guid Id, IReadOnlyList<Measure> Measures, long Version)
{
    // Version is the stream's: Marten sets it after each event, so Create and Apply leave it alone.
    /// <summary>Written with the document for the report tables (<see cref="Reports.ReportTables"/>); never read back.</summary>
    public Reports.OutcomeFigures ReportFigures => Reports.OutcomeFigures.Of(Measures);

    public static ReferralOutcomes Create(MeasureRecorded e) => new(e.ReferralId, [ToMeasure(e)], 0);

    public ReferralOutcomes Apply(MeasureRecorded e) => this with { Measures = [.. Measures, ToMeasure(e)] };

    private static Measure ToMeasure(MeasureRecorded e) => new(e.OutcomeId, e.Instrument, e.Timepoint, e.Responses, e.Goals, e.At);
}
