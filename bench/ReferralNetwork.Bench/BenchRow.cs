namespace ReferralNetwork.Bench;

/// <summary>One line of the benchmark's table: what was measured, the figure, the target and whether it was met (null: no target).</summary>
public sealed record BenchRow(string What, string Figure, string Target, bool? Met);

/// <summary>Plain percentiles of a sample, by rank (nearest rank, no interpolation).</summary>
public static class Percentiles
{
    public static double Of(IReadOnlyList<double> sorted, double percentile) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
