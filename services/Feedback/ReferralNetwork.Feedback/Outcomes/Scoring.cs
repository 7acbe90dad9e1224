namespace ReferralNetwork.Feedback.Outcomes;

public enum Instrument
{
    Swemwbs,
    Wemwbs,
    Ons4,
    Goals,
}

public enum Timepoint
{
    Baseline,
    FollowUp,
}

public sealed record GoalScore(string Goal, int Score);

public sealed record SwemwbsScore(int Raw, decimal Metric);

public sealed record WemwbsScore(int Total);

public sealed record Ons4Item(int Value, string Band);

public sealed record Ons4Score(Ons4Item LifeSatisfaction, Ons4Item Worthwhile, Ons4Item Happiness, Ons4Item Anxiety);

public sealed record GoalsScore(IReadOnlyList<GoalScore> Goals);

/// <summary>Scoring of the outcome measures exactly as domain.md gives it. Pure: no I/O.</summary>
public static class Scoring
{
    // SWEMWBS raw (7..35) to metric score, the published conversion table.
    private static readonly decimal[] SwemwbsMetric =
    [
        7.00m, 9.51m, 11.25m, 12.40m, 13.33m, 14.08m, 14.75m, 15.32m, 15.84m, 16.36m,
        16.88m, 17.43m, 17.98m, 18.59m, 19.25m, 19.98m, 20.73m, 21.54m, 22.35m, 23.21m,
        24.11m, 25.03m, 26.02m, 27.03m, 28.13m, 29.31m, 30.70m, 32.55m, 35.00m,
    ];

    public static decimal SwemwbsMetricFor(int raw) =>
        raw is >= 7 and <= 35 ? SwemwbsMetric[raw - 7] : throw new ArgumentOutOfRangeException(nameof(raw), "SWEMWBS raw scores run from 7 to 35.");

    /// <summary>Item count and range rules per instrument: the fields and messages of a 422.</summary>
    public static IReadOnlyList<(string Field, string Message)> Check(Instrument instrument, IReadOnlyList<int>? responses, IReadOnlyList<GoalScore>? goals)
    {
        var problems = new List<(string Field, string Message)>();
        switch (instrument)
        {
            case Instrument.Swemwbs:
                CheckItems(responses, 7, 1, 5, problems);
                break;
            case Instrument.Wemwbs:
                CheckItems(responses, 14, 1, 5, problems);
                break;
            case Instrument.Ons4:
                CheckItems(responses, 4, 0, 10, problems);
                break;
            case Instrument.Goals:
                if (goals is null || goals.Count is < 1 or > 3)
                {
                    problems.Add(("goals", "one to three goals are required."));
                }
                else if (goals.Any(g => string.IsNullOrWhiteSpace(g.Goal) || g.Goal.Length > 200))
                {
                    problems.Add(("goals", "each goal needs a description of at most 200 characters."));
                }
                else if (goals.Any(g => g.Score is < 0 or > 10))
                {
                    problems.Add(("goals", "each score is from 0 to 10."));
                }
                else if (goals.Select(g => g.Goal.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Count() != goals.Count)
                {
                    problems.Add(("goals", "the goals must differ."));
                }

                break;
        }

        return problems;
    }

    /// <summary>The score of a checked measure.</summary>
    public static object Score(Instrument instrument, IReadOnlyList<int>? responses, IReadOnlyList<GoalScore>? goals) => instrument switch
    {
        Instrument.Swemwbs => new SwemwbsScore(responses!.Sum(), SwemwbsMetricFor(responses!.Sum())),
        Instrument.Wemwbs => new WemwbsScore(responses!.Sum()),
        Instrument.Ons4 => new Ons4Score(
            Positive(responses![0]), Positive(responses[1]), Positive(responses[2]), new Ons4Item(responses[3], AnxietyBand(responses[3]))),
        Instrument.Goals => new GoalsScore(goals!.Select(g => new GoalScore(g.Goal.Trim(), g.Score)).ToList()),
        _ => throw new ArgumentOutOfRangeException(nameof(instrument)),
    };

    /// <summary>Life satisfaction, worthwhile and happiness: 0–4 low, 5–6 medium, 7–8 high, 9–10 very high.</summary>
    public static string PositiveBand(int value) => value switch
    {
        <= 4 => "low",
        <= 6 => "medium",
        <= 8 => "high",
        _ => "very-high",
    };

    /// <summary>Anxiety: 0–1 very low, 2–3 low, 4–5 medium, 6–10 high.</summary>
    public static string AnxietyBand(int value) => value switch
    {
        <= 1 => "very-low",
        <= 3 => "low",
        <= 5 => "medium",
        _ => "high",
    };

    private static Ons4Item Positive(int value) => new(value, PositiveBand(value));

    private static void CheckItems(IReadOnlyList<int>? responses, int count, int min, int max, List<(string Field, string Message)> problems)
    {
        if (responses is null || responses.Count != count)
        {
            problems.Add(("responses", $"exactly {count} items are required."));
        }
        else if (responses.Any(r => r < min || r > max))
        {
            problems.Add(("responses", $"each item is from {min} to {max}."));
        }
    }
}
