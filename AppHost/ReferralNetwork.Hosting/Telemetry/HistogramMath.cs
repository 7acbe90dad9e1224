namespace ReferralNetwork.Hosting.Telemetry;

/// <summary>
/// A quantile estimated from histogram buckets. When it falls in the open-ended last bucket only a
/// lower limit is known: <see cref="Value"/> is then the last bound and <see cref="AboveLastBound"/> is set.
/// </summary>
public readonly record struct QuantileEstimate(double Value, bool AboveLastBound);

/// <summary>Arithmetic on explicit-bucket histograms: adding, differencing and estimating quantiles.</summary>
public static class HistogramMath
{
    /// <summary>
    /// Estimates the <paramref name="quantile"/> (0–1) by finding the bucket holding that rank and
    /// interpolating linearly inside it (values assumed evenly spread within a bucket). The first
    /// bucket is taken to start at zero when its bound is positive, as for durations and sizes.
    /// Null when there is nothing to estimate from.
    /// </summary>
    public static QuantileEstimate? Quantile(HistogramValue histogram, double quantile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1);
        var counts = histogram.BucketCounts;
        var bounds = histogram.Bounds;
        if (bounds.Count == 0 || counts.Count != bounds.Count + 1)
        {
            return null;
        }
        double total = 0;
        foreach (var count in counts)
        {
            total += count;
        }
        if (total == 0)
        {
            return null;
        }
        var rank = quantile * total;
        double below = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            var inBucket = (double)counts[i];
            if (inBucket == 0 || below + inBucket < rank)
            {
                below += inBucket;
                continue;
            }
            if (i == bounds.Count)
            {
                return new QuantileEstimate(bounds[^1], AboveLastBound: true);
            }
            var upper = bounds[i];
            double lower;
            if (i > 0)
            {
                lower = bounds[i - 1];
            }
            else if (upper > 0)
            {
                lower = 0;
            }
            else
            {
                // (-∞, bound]: nothing to interpolate against.
                return new QuantileEstimate(upper, AboveLastBound: false);
            }
            return new QuantileEstimate(lower + (upper - lower) * ((rank - below) / inBucket), AboveLastBound: false);
        }
        // Only reached through rounding at rank == total: the highest non-empty bucket's top.
        return new QuantileEstimate(bounds[^1], AboveLastBound: counts[^1] > 0);
    }

    /// <summary>The two added bucket by bucket; an empty histogram adds nothing. Null when the buckets differ.</summary>
    public static HistogramValue? Add(HistogramValue a, HistogramValue b)
    {
        if (IsEmpty(a))
        {
            return b;
        }
        if (IsEmpty(b))
        {
            return a;
        }
        if (!a.SameBuckets(b))
        {
            return null;
        }
        var counts = new ulong[a.BucketCounts.Count];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = a.BucketCounts[i] + b.BucketCounts[i];
        }
        return new HistogramValue(a.Count + b.Count, a.Sum + b.Sum, a.Bounds, counts);
    }

    /// <summary>
    /// What was recorded between two cumulative readings. Never negative: a bucket that went down
    /// (which the store's reset handling should prevent) counts as zero. When the buckets differ the
    /// earlier reading cannot be subtracted and <paramref name="later"/> is returned whole.
    /// </summary>
    public static HistogramValue Subtract(HistogramValue later, HistogramValue earlier)
    {
        if (IsEmpty(earlier) || !later.SameBuckets(earlier))
        {
            return later;
        }
        var counts = new ulong[later.BucketCounts.Count];
        ulong total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = later.BucketCounts[i] > earlier.BucketCounts[i] ? later.BucketCounts[i] - earlier.BucketCounts[i] : 0;
            total += counts[i];
        }
        var count = counts.Length > 0 ? total : later.Count > earlier.Count ? later.Count - earlier.Count : 0;
        return new HistogramValue(count, count == 0 ? 0 : Math.Max(0, later.Sum - earlier.Sum), later.Bounds, counts);
    }

    private static bool IsEmpty(HistogramValue histogram) => histogram.Count == 0 && histogram.BucketCounts.All(c => c == 0);
}
