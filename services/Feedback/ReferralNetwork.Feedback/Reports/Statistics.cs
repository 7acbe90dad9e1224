namespace ReferralNetwork.Feedback.Reports;

/// <summary>
/// One reported number. Suppressed figures carry no value: a count from 1 to 4, or a statistic
/// resting on fewer than 5 cases, could point at a person.
/// </summary>
public sealed record Figure(decimal? Value, bool Suppressed)
{
    public static readonly Figure Hidden = new(null, true);

    // Dividing by 1.000… drops trailing zeros, so 3.0 reads "3" in JSON and CSV alike.
    public static Figure Shown(decimal value) => new(value / 1.000000000000000000000000000000000m, false);
}

/// <summary>Small-number suppression as health statistics usually apply it. Pure.</summary>
public static class Suppression
{
    /// <summary>Counts and the cases behind a statistic below this (but above zero) are suppressed.</summary>
    public const int Threshold = 5;

    public const string Rule =
        "Counts from 1 to 4 are suppressed (value null, suppressed true; * in CSV); 0 is shown. " +
        "Medians, 90th percentiles and means resting on fewer than 5 cases are suppressed too.";

    public static Figure Count(int count) => count is > 0 and < Threshold ? Figure.Hidden : Figure.Shown(count);

    /// <summary>A statistic over <paramref name="cases"/> cases: shown only when it rests on at least five.</summary>
    public static Figure Statistic(decimal? value, int cases) =>
        cases < Threshold || value is null ? Figure.Hidden : Figure.Shown(Math.Round(value.Value, 2, MidpointRounding.AwayFromZero));
}

/// <summary>Percentiles and means. Pure.</summary>
public static class Percentiles
{
    /// <summary>
    /// The <paramref name="fraction"/> (0..1) percentile by linear interpolation between closest ranks
    /// (Hyndman–Fan type 7, Excel PERCENTILE.INC): h = (n − 1)·p over the sorted values, then
    /// x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋ + 1] − x[⌊h⌋]). The median is the 0.5 percentile, so with an even
    /// count it is the mean of the middle two. Null for no values.
    /// </summary>
    public static decimal? Of(IEnumerable<decimal> values, decimal fraction)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            CheckFraction(fraction);
            return null;
        }

        var (lower, upper, weight) = Position(sorted.Length, fraction);
        return Interpolate(sorted[lower], sorted[upper], weight);
    }

    /// <summary>The two ranks (from 0 over <paramref name="count"/> sorted values) the percentile lies between, and how far from the lower.</summary>
    public static (int Lower, int Upper, decimal Weight) Position(int count, decimal fraction)
    {
        CheckFraction(fraction);
        var h = (count - 1) * fraction;
        var lower = (int)Math.Floor(h);
        return (lower, Math.Min(lower + 1, count - 1), h - lower);
    }

    public static decimal Interpolate(decimal lower, decimal upper, decimal weight) => lower + weight * (upper - lower);

    private static void CheckFraction(decimal fraction)
    {
        if (fraction is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), "A percentile is a fraction from 0 to 1.");
        }
    }

    public static decimal? Median(IEnumerable<decimal> values) => Of(values, 0.5m);

    public static decimal? P90(IEnumerable<decimal> values) => Of(values, 0.9m);

    public static decimal? Mean(IReadOnlyCollection<decimal> values) => values.Count == 0 ? null : values.Sum() / values.Count;

    public static decimal? Mean(int count, decimal sum) => count == 0 ? null : sum / count;
}
