namespace ReferralNetwork.Hosting.Telemetry;

/// <summary>The OTLP metric data kinds the dashboard keeps (exponential histograms and summaries are skipped).</summary>
public enum MetricKind
{
    Gauge,
    Sum,
    Histogram,
}

/// <summary>OTLP's aggregation temporality (the numbers are the wire values).</summary>
public enum AggregationTemporality
{
    Unspecified = 0,
    Delta = 1,
    Cumulative = 2,
}

/// <summary>One metric of one export: its identity, its kind and the data points of each attribute set.</summary>
public sealed record ReceivedMetric(
    string ServiceName,
    string Scope,
    string Name,
    string Description,
    string Unit,
    MetricKind Kind,
    AggregationTemporality Temporality,
    bool IsMonotonic,
    IReadOnlyList<ReceivedMetricPoint> Points);

/// <summary>
/// A number data point (<see cref="Value"/>) or a histogram data point (<see cref="Histogram"/>) with
/// its attributes and the interval it covers (start matters for cumulative points: a new start means
/// the producer restarted and its totals began again from zero).
/// </summary>
public sealed record ReceivedMetricPoint(
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset Start,
    DateTimeOffset Time,
    double Value,
    HistogramValue? Histogram = null);

/// <summary>
/// An explicit-bucket histogram: <see cref="BucketCounts"/> has one more entry than <see cref="Bounds"/>
/// (bucket i holds values up to and including Bounds[i]; the last is everything above), or none at all.
/// </summary>
public sealed record HistogramValue(ulong Count, double Sum, IReadOnlyList<double> Bounds, IReadOnlyList<ulong> BucketCounts)
{
    public double? Min { get; init; }

    public double? Max { get; init; }

    public static HistogramValue Empty { get; } = new(0, 0, [], []);

    /// <summary>True when <paramref name="other"/> has the same bucket boundaries, so counts can be added or subtracted.</summary>
    public bool SameBuckets(HistogramValue other) =>
        BucketCounts.Count == other.BucketCounts.Count && Bounds.SequenceEqual(other.Bounds);
}
