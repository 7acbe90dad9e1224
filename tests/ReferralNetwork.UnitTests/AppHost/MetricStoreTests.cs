using ReferralNetwork.Hosting.Telemetry;

namespace ReferralNetwork.UnitTests.AppHost;

public class MetricStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private static readonly double[] Bounds = [1, 10, 100];

    private static Dictionary<string, string> Attributes(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static ReceivedMetric Counter(string service, double value, int second, int startSecond = 0,
        AggregationTemporality temporality = AggregationTemporality.Cumulative, bool monotonic = true, string pathway = "social-prescribing",
        string name = "referral_network.referrals.submitted") =>
        new(service, "ReferralNetwork", name, "Referrals submitted", "{referral}", MetricKind.Sum, temporality, monotonic,
            [new(Attributes(("pathway", pathway)), T0.AddSeconds(startSecond), T0.AddSeconds(second), value)]);

    private static ReceivedMetric Gauge(string service, double value, int second, string subscription = "integration-events") =>
        new(service, "ReferralNetwork", "referral_network.subscription.lag", "", "{event}", MetricKind.Gauge, AggregationTemporality.Unspecified, false,
            [new(Attributes(("subscription", subscription)), T0, T0.AddSeconds(second), value)]);

    private static ReceivedMetric Histogram(string service, int second, ulong[] counts, double sum, int startSecond = 0,
        AggregationTemporality temporality = AggregationTemporality.Cumulative, double[]? bounds = null, string route = "/api/referrals/")
    {
        var histogram = new HistogramValue((ulong)counts.Sum(c => (long)c), sum, bounds ?? Bounds, counts);
        return new("gateway", "Microsoft.AspNetCore.Hosting", "http.server.request.duration", "Duration", "s", MetricKind.Histogram, temporality, false,
            [new(Attributes(("http.route", route)), T0.AddSeconds(startSecond), T0.AddSeconds(second), histogram.Count, histogram)]);
    }

    private static double[] Values(MetricStore store, string name) => [.. Assert.Single(store.Series(name)).Samples.Select(s => s.Value)];

    [Fact]
    public void Each_series_keeps_only_its_latest_samples()
    {
        var store = new MetricStore(maxSamplesPerSeries: 3);
        for (var second = 5; second <= 25; second += 5)
        {
            store.Add([Gauge("referrals", second, second)]);
        }

        var series = Assert.Single(store.Series("referral_network.subscription.lag"));
        Assert.Equal([15.0, 20, 25], series.Samples.Select(s => s.Value));
        Assert.Equal(T0.AddSeconds(25), series.Samples[^1].Time);
    }

    [Fact]
    public void Beyond_the_series_limit_the_least_recently_updated_series_is_forgotten()
    {
        var store = new MetricStore(maxSeries: 2);
        store.Add([Gauge("referrals", 1, 5, "a"), Gauge("referrals", 1, 6, "b")]);
        store.Add([Gauge("referrals", 1, 10, "a")]);
        store.Add([Gauge("referrals", 1, 11, "c")]);

        Assert.Equal(2, store.SeriesCount);
        Assert.Equal(["a", "c"], store.Series("referral_network.subscription.lag").Select(s => s.Attributes["subscription"]));
    }

    [Fact]
    public void A_cumulative_counter_that_restarts_carries_on_from_its_last_total()
    {
        var store = new MetricStore();
        store.Add([Counter("referrals", 5, 5)]);
        store.Add([Counter("referrals", 8, 10)]);
        // The service restarted: a new start time and the count begins again (already at 2).
        store.Add([Counter("referrals", 2, 20, startSecond: 15)]);
        store.Add([Counter("referrals", 3, 25, startSecond: 15)]);
        // A drop with the same start time is also a reset.
        store.Add([Counter("referrals", 1, 30, startSecond: 15)]);

        Assert.Equal([5.0, 8, 10, 11, 12], Values(store, "referral_network.referrals.submitted"));
    }

    [Fact]
    public void Delta_points_are_accumulated_into_a_total()
    {
        var store = new MetricStore();
        store.Add([Counter("referrals", 2, 5, startSecond: 0, AggregationTemporality.Delta)]);
        store.Add([Counter("referrals", 3, 10, startSecond: 5, AggregationTemporality.Delta)]);
        store.Add([Counter("referrals", 0, 15, startSecond: 10, AggregationTemporality.Delta)]);

        Assert.Equal([2.0, 5, 5], Values(store, "referral_network.referrals.submitted"));
    }

    [Fact]
    public void An_up_down_counter_is_a_level_and_may_go_down()
    {
        var store = new MetricStore();
        store.Add([Counter("referrals", 5, 5, monotonic: false)]);
        store.Add([Counter("referrals", 3, 10, monotonic: false)]);
        store.Add([Counter("referrals", 1, 20, startSecond: 15, monotonic: false)]);

        Assert.Equal([5.0, 3, 1], Values(store, "referral_network.referrals.submitted"));
    }

    [Fact]
    public void A_repeated_or_older_point_is_ignored_so_a_retried_export_does_not_count_twice()
    {
        var store = new MetricStore();
        store.Add([Counter("referrals", 2, 5, 0, AggregationTemporality.Delta)]);
        store.Add([Counter("referrals", 2, 5, 0, AggregationTemporality.Delta)]);
        store.Add([Counter("referrals", 4, 3, 0, AggregationTemporality.Delta)]);

        Assert.Equal([2.0], Values(store, "referral_network.referrals.submitted"));
    }

    [Fact]
    public void A_cumulative_histogram_that_restarts_carries_its_buckets_on()
    {
        var store = new MetricStore();
        store.Add([Histogram("gateway", 5, [1, 2, 0, 0], 8)]);
        store.Add([Histogram("gateway", 20, [0, 1, 1, 0], 30, startSecond: 15)]);

        var latest = Assert.Single(store.Series("http.server.request.duration")).Samples[^1];
        Assert.Equal(5, latest.Value);
        Assert.Equal([1UL, 3, 1, 0], latest.Histogram!.BucketCounts);
        Assert.Equal(5UL, latest.Histogram.Count);
        Assert.Equal(38, latest.Histogram.Sum);
    }

    [Fact]
    public void A_histogram_whose_buckets_change_at_a_restart_starts_its_total_again()
    {
        var store = new MetricStore();
        store.Add([Histogram("gateway", 5, [1, 2, 0, 0], 8)]);
        store.Add([Histogram("gateway", 20, [1, 1, 0], 3, startSecond: 15, bounds: [5, 50])]);

        var latest = Assert.Single(store.Series("http.server.request.duration")).Samples[^1].Histogram!;
        Assert.Equal([1UL, 1, 0], latest.BucketCounts);
        Assert.Equal([5.0, 50], latest.Bounds);
    }

    [Fact]
    public void Delta_histograms_are_accumulated()
    {
        var store = new MetricStore();
        store.Add([Histogram("gateway", 5, [1, 0, 0, 0], 0.5, 0, AggregationTemporality.Delta)]);
        store.Add([Histogram("gateway", 10, [0, 2, 1, 0], 40, 5, AggregationTemporality.Delta)]);

        var latest = Assert.Single(store.Series("http.server.request.duration")).Samples[^1].Histogram!;
        Assert.Equal([1UL, 2, 1, 0], latest.BucketCounts);
        Assert.Equal(4UL, latest.Count);
        Assert.Equal(40.5, latest.Sum);
    }

    [Fact]
    public void Non_finite_values_are_not_kept()
    {
        var store = new MetricStore();
        store.Add([Gauge("referrals", double.NaN, 5), Gauge("referrals", double.PositiveInfinity, 6), Gauge("referrals", 4, 7)]);

        Assert.Equal([4.0], Values(store, "referral_network.subscription.lag"));
    }

    [Fact]
    public void The_catalogue_lists_each_metric_with_its_services_and_series()
    {
        var store = new MetricStore();
        store.Add([Counter("referrals", 1, 5, pathway: "a"), Counter("referrals", 1, 5, pathway: "b"), Counter("linkworkers", 1, 6)]);
        store.Add([Gauge("referrals", 3, 7)]);

        var catalogue = store.Catalogue();

        Assert.Equal(["referral_network.referrals.submitted", "referral_network.subscription.lag"], catalogue.Select(m => m.Metric.Name));
        var submitted = catalogue[0];
        Assert.Equal(["linkworkers", "referrals"], submitted.Services);
        Assert.Equal(3, submitted.SeriesCount);
        Assert.Equal(T0.AddSeconds(6), submitted.LastUpdated);
        Assert.Equal(new MetricDescriptor("referral_network.referrals.submitted", "Referrals submitted", "{referral}", MetricKind.Sum, true), submitted.Metric);
        Assert.Equal(2, store.Series("referral_network.referrals.submitted", "referrals").Count);
        Assert.Empty(store.Series("no.such.metric"));
    }
}
