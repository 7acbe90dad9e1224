using ReferralNetwork.Hosting.Telemetry;

namespace ReferralNetwork.UnitTests.AppHost;

public class MetricMathTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static HistogramValue Buckets(double[] bounds, params ulong[] counts) =>
        new((ulong)counts.Sum(c => (long)c), 0, bounds, counts);

    [Theory]
    // Eight values: 2 in (0,1], 2 in (1,2], 4 in (2,4]. Rank 4 is the top of the second bucket.
    [InlineData(0.5, 2.0)]
    // Rank 7.2 is 3.2 of the 4 values into (2,4]: 2 + 2 × 0.8.
    [InlineData(0.9, 3.6)]
    // Rank 1 is half way through the first bucket, taken to start at zero.
    [InlineData(0.125, 0.5)]
    [InlineData(1.0, 4.0)]
    public void Quantiles_interpolate_within_the_bucket_holding_the_rank(double quantile, double expected)
    {
        var estimate = HistogramMath.Quantile(Buckets([1, 2, 4], 2, 2, 4, 0), quantile);

        Assert.NotNull(estimate);
        Assert.Equal(expected, estimate.Value.Value, 9);
        Assert.False(estimate.Value.AboveLastBound);
    }

    [Fact]
    public void Seconds_to_acceptance_spread_over_hours_and_days_estimate_in_the_right_bucket()
    {
        // Bounds at 1 min, 1 h, 1 day, 1 week; 10 acceptances: 1 within a minute, 6 within the hour, 3 within the day.
        var histogram = Buckets([60, 3_600, 86_400, 604_800], 1, 6, 3, 0, 0);

        // Median: rank 5 is 4 of 6 into (60, 3600] → 60 + 3540 × 4/6 = 2420 s.
        Assert.Equal(2_420, HistogramMath.Quantile(histogram, 0.5)!.Value.Value, 9);
        // 90th: rank 9 is 2 of 3 into (3600, 86400] → 3600 + 82800 × 2/3 = 58800 s.
        Assert.Equal(58_800, HistogramMath.Quantile(histogram, 0.9)!.Value.Value, 9);
    }

    [Fact]
    public void A_quantile_in_the_overflow_bucket_is_only_known_to_exceed_the_last_bound()
    {
        var estimate = HistogramMath.Quantile(Buckets([1, 2], 1, 0, 9), 0.5);

        Assert.Equal(new QuantileEstimate(2, AboveLastBound: true), estimate);
    }

    [Fact]
    public void Nothing_recorded_or_no_buckets_gives_no_estimate()
    {
        Assert.Null(HistogramMath.Quantile(Buckets([1, 2], 0, 0, 0), 0.5));
        Assert.Null(HistogramMath.Quantile(new HistogramValue(3, 6, [], []), 0.5));
    }

    [Fact]
    public void Histograms_add_and_subtract_bucket_by_bucket_and_refuse_different_buckets()
    {
        var a = Buckets([1, 2], 1, 2, 3) with { Sum = 10 };
        var b = Buckets([1, 2], 0, 1, 1) with { Sum = 4 };

        var added = HistogramMath.Add(a, b)!;
        Assert.Equal([1UL, 3, 4], added.BucketCounts);
        Assert.Equal(8UL, added.Count);
        Assert.Equal(14, added.Sum);
        Assert.Same(b, HistogramMath.Add(HistogramValue.Empty, b));
        Assert.Null(HistogramMath.Add(a, Buckets([5], 1, 1)));

        var difference = HistogramMath.Subtract(added, a);
        Assert.Equal([0UL, 1, 1], difference.BucketCounts);
        Assert.Equal(2UL, difference.Count);
        Assert.Equal(4, difference.Sum);
    }

    private static MetricSample[] Samples(params (int Second, double Value)[] readings) =>
        [.. readings.Select(r => new MetricSample(T0.AddSeconds(r.Second), r.Value))];

    [Fact]
    public void The_increase_over_a_window_starts_from_the_last_reading_at_or_before_it()
    {
        var samples = Samples((0, 3), (30, 5), (60, 9), (90, 10));

        Assert.Equal(5, SeriesMath.Increase(samples, since: T0.AddSeconds(30)));
        Assert.Equal(5, SeriesMath.Increase(samples, since: T0.AddSeconds(45)));
        Assert.Equal(1, SeriesMath.Increase(samples, since: T0.AddSeconds(60)));
    }

    [Fact]
    public void A_series_first_seen_inside_the_window_counts_from_zero_and_a_silent_one_did_not_grow()
    {
        var samples = Samples((30, 4), (60, 6));

        Assert.Equal(6, SeriesMath.Increase(samples, since: T0));
        Assert.Equal(0, SeriesMath.Increase(samples, since: T0.AddSeconds(61)));
        Assert.Equal(0, SeriesMath.Increase([], since: T0));
    }

    [Fact]
    public void The_histogram_recorded_in_a_window_is_the_difference_of_two_readings()
    {
        double[] bounds = [0.01, 0.1, 1];
        MetricSample Reading(int second, params ulong[] counts)
        {
            var histogram = new HistogramValue((ulong)counts.Sum(c => (long)c), second, bounds, counts);
            return new MetricSample(T0.AddSeconds(second), histogram.Count, histogram);
        }
        MetricSample[] samples = [Reading(0, 5, 0, 0, 0), Reading(60, 9, 3, 1, 0), Reading(65, 10, 3, 1, 1)];

        var lastMinute = SeriesMath.HistogramIncrease(samples, since: T0.AddSeconds(5));

        Assert.Equal([5UL, 3, 1, 1], lastMinute.BucketCounts);
        Assert.Equal(10UL, lastMinute.Count);
        Assert.Equal(65, lastMinute.Sum);
        Assert.Equal(0UL, SeriesMath.HistogramIncrease(samples, since: T0.AddSeconds(70)).Count);
    }

    [Fact]
    public void Grouping_sums_series_by_service_and_the_chosen_attributes_at_each_moment()
    {
        MetricSeries Series(string service, string route, string status, params (int, double)[] readings) =>
            new(service, new Dictionary<string, string> { ["http.route"] = route, ["http.response.status_code"] = status }, Samples(readings));
        MetricSeries[] series =
        [
            Series("gateway", "/a", "200", (5, 1), (10, 2), (15, 4)),
            // First reported later: contributes nothing before then.
            Series("gateway", "/a", "500", (10, 1), (15, 1)),
            Series("gateway", "/b", "200", (5, 7)),
            Series("referrals", "/a", "200", (5, 3)),
        ];

        var byRoute = SeriesMath.Group(series, ["http.route"]);

        Assert.Equal(3, byRoute.Count);
        var gatewayA = byRoute[0];
        Assert.Equal("gateway", gatewayA.Service);
        Assert.Equal(new Dictionary<string, string> { ["http.route"] = "/a" }, gatewayA.Attributes);
        Assert.Equal([1.0, 3, 5], gatewayA.Samples.Select(s => s.Value));
        Assert.Equal(["/b"], byRoute[1].Attributes.Values);
        Assert.Equal("referrals", byRoute[2].Service);

        var perService = SeriesMath.Group(series, []);
        Assert.Equal([8.0, 10, 12], perService[0].Samples.Select(s => s.Value));
        Assert.Empty(perService[0].Attributes);
    }
}
