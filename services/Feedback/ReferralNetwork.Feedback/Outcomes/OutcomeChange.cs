namespace ReferralNetwork.Feedback.Outcomes;

public sealed record MeasureChange(Instrument Instrument, Guid BaselineId, Guid FollowUpId, IReadOnlyDictionary<string, decimal> Change);

/// <summary>Baseline → follow-up change per instrument, from the latest of each; none without both. Pure.</summary>
public static class OutcomeChange
{
    public static IReadOnlyList<MeasureChange> For(IReadOnlyList<Measure> measures)
    {
        var changes = new List<MeasureChange>();
        foreach (var instrument in Enum.GetValues<Instrument>())
        {
            var baseline = measures.LastOrDefault(m => m.Instrument == instrument && m.Timepoint == Timepoint.Baseline);
            var followUp = measures.LastOrDefault(m => m.Instrument == instrument && m.Timepoint == Timepoint.FollowUp);
            if (baseline is null || followUp is null)
            {
                continue;
            }

            var before = Values(baseline);
            var after = Values(followUp);
            var change = before.Keys.Where(after.ContainsKey).ToDictionary(k => k, k => after[k] - before[k]);
            changes.Add(new MeasureChange(instrument, baseline.Id, followUp.Id, change));
        }

        return changes;
    }

    /// <summary>The numbers a change is taken over: SWEMWBS metric, WEMWBS total, each ONS4 item, each goal by name.</summary>
    public static IReadOnlyDictionary<string, decimal> Values(Measure m) => Scoring.Score(m.Instrument, m.Responses, m.Goals) switch
    {
        SwemwbsScore s => new Dictionary<string, decimal> { ["metric"] = s.Metric },
        WemwbsScore s => new Dictionary<string, decimal> { ["total"] = s.Total },
        Ons4Score s => new Dictionary<string, decimal>
        {
            ["lifeSatisfaction"] = s.LifeSatisfaction.Value, ["worthwhile"] = s.Worthwhile.Value,
            ["happiness"] = s.Happiness.Value, ["anxiety"] = s.Anxiety.Value,
        },
        GoalsScore s => s.Goals.ToDictionary(g => g.Goal, g => (decimal)g.Score, StringComparer.OrdinalIgnoreCase),
        _ => new Dictionary<string, decimal>(),
    };
}
