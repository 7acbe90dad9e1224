using System.Globalization;
using System.Text.Json;
using ReferralNetwork.Web.Components.Forms;

namespace ReferralNetwork.Web.Caseload;

/// <summary>
/// The wellbeing measure the caseload records, the Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS): seven
/// statements, each answered from 1 (none of the time) to 5 (all of the time); the network scores it. Also how any
/// measure's score, and its change from baseline to follow-up, reads.
/// </summary>
public static class Measures
{
    public const string Swemwbs = "swemwbs";

    public static readonly IReadOnlyList<string> SwemwbsStatements =
    [
        "I've been feeling optimistic about the future",
        "I've been feeling useful",
        "I've been feeling relaxed",
        "I've been dealing with problems well",
        "I've been thinking clearly",
        "I've been feeling close to other people",
        "I've been able to make up my own mind about things",
    ];

    public static readonly IReadOnlyList<(int Value, string Text)> SwemwbsAnswers =
    [
        (1, "None of the time"),
        (2, "Rarely"),
        (3, "Some of the time"),
        (4, "Often"),
        (5, "All of the time"),
    ];

    public static readonly IReadOnlyList<(string Code, string Text)> Timepoints =
    [
        ("baseline", "Baseline: at the start of the support"),
        ("follow-up", "Follow-up: later on, to see what changed"),
    ];

    /// <summary>The answers as sent, or null with each problem next to its question (field "item-1" … "item-7").</summary>
    public static IReadOnlyList<int>? Responses(string? timepoint, IReadOnlyList<int?> answers, FormErrors errors)
    {
        if (timepoint is null)
        {
            errors.Add("timepoint", "Say whether this is the baseline or a follow-up.");
        }

        for (var i = 0; i < SwemwbsStatements.Count; i++)
        {
            if (i >= answers.Count || answers[i] is not (>= 1 and <= 5))
            {
                errors.Add($"item-{i + 1}", $"Choose how often for \"{SwemwbsStatements[i]}\".");
            }
        }

        return errors.Any ? null : answers.Take(SwemwbsStatements.Count).Select(a => a!.Value).ToList();
    }

    public static string Instrument(string code) => code switch
    {
        "swemwbs" => "Short wellbeing scale (SWEMWBS)",
        "wemwbs" => "Wellbeing scale (WEMWBS)",
        "ons4" => "ONS personal wellbeing (ONS4)",
        "goals" => "Personal goals",
        _ => code,
    };

    public static string Timepoint(string code) => code switch
    {
        "baseline" => "Baseline",
        "follow-up" => "Follow-up",
        _ => code,
    };

    /// <summary>A measure's score in a line: "19.25 (raw score 21)", "Total 47", each ONS4 item with its band, each goal.</summary>
    public static string Score(string instrument, JsonElement score)
    {
        try
        {
            return instrument switch
            {
                "swemwbs" => $"{Number(score.GetProperty("metric"))} (raw score {Number(score.GetProperty("raw"))})",
                "wemwbs" => $"Total {Number(score.GetProperty("total"))}",
                "ons4" => string.Join("; ", Ons4Items.Select(item => score.GetProperty(item.Key) is var i
                    ? $"{item.Text} {Number(i.GetProperty("value"))} ({i.GetProperty("band").GetString()})"
                    : "")),
                "goals" => string.Join("; ", score.GetProperty("goals").EnumerateArray()
                    .Select(g => $"{g.GetProperty("goal").GetString()}: {Number(g.GetProperty("score"))} out of 10")),
                _ => score.ToString(),
            };
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException)
        {
            // A score shaped otherwise than expected: shown as the network gave it rather than not at all.
            return score.ToString();
        }
    }

    /// <summary>
    /// One figure's change from baseline to follow-up, said with which way is better: higher is better on every
    /// figure but ONS4 anxiety, where lower is.
    /// </summary>
    public static string Change(string instrument, string figure, decimal change)
    {
        var name = FigureName(instrument, figure);
        if (change == 0)
        {
            return $"{name}: no change";
        }

        var lowerIsBetter = instrument == "ons4" && figure == "anxiety";
        var better = change > 0 != lowerIsBetter;
        var size = Math.Abs(change).ToString("0.##", CultureInfo.InvariantCulture);
        return $"{name}: {(change > 0 ? "up" : "down")} {size} ({(better ? "better" : "worse")})";
    }

    private static string FigureName(string instrument, string figure) => (instrument, figure) switch
    {
        ("swemwbs", "metric") => "Wellbeing score",
        ("wemwbs", "total") => "Wellbeing score",
        ("ons4", _) when Ons4Items.FirstOrDefault(i => i.Key == figure) is { Text: { } text } => text,
        ("goals", _) => $"Goal \"{figure}\"",
        _ => figure,
    };

    private static readonly IReadOnlyList<(string Key, string Text)> Ons4Items =
    [
        ("lifeSatisfaction", "Life satisfaction"),
        ("worthwhile", "Feeling things are worthwhile"),
        ("happiness", "Happiness"),
        ("anxiety", "Anxiety"),
    ];

    private static string Number(JsonElement value) => value.GetDecimal().ToString("0.##", CultureInfo.InvariantCulture);
}
