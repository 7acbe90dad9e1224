namespace ReferralNetwork.Feedback.Outcomes;

/// <summary>
/// What a referrer without full consent sees of goal measures: a goal's text is free text about the
/// person (partner-api.md §3, codes-only), so it is replaced by a label, "goal-1", "goal-2", … A goal
/// keeps its label across measures (compared ignoring case, as <see cref="OutcomeChange"/> pairs them),
/// so baseline, follow-up and their change still line up. Numbered in order of first appearance and
/// alphabetically within one measure: the referral service labels the feed's outcome.recorded by the
/// same rule, so a label names the same goal on both channels. Pure.
/// </summary>
public static class GoalLabels
{
    public static string Label(int number) => $"goal-{number}";

    /// <summary>The measures with every goal text replaced by its label.</summary>
    public static IReadOnlyList<Measure> WithoutGoalTexts(IReadOnlyList<Measure> measures)
    {
        var labels = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var goal in measures.SelectMany(m => (m.Goals ?? []).Select(g => g.Goal.Trim()).Order(StringComparer.OrdinalIgnoreCase)))
        {
            labels.TryAdd(goal, Label(labels.Count + 1));
        }

        return measures
            .Select(m => m.Goals is null ? m : m with { Goals = m.Goals.Select(g => g with { Goal = labels[g.Goal.Trim()] }).ToList() })
            .ToList();
    }
}
