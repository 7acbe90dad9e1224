using ReferralNetwork.Hosting.Telemetry;
using static ReferralNetwork.UnitTests.AppHost.ProtobufMessages;

namespace ReferralNetwork.UnitTests.AppHost;

/// <summary>
/// ExportMetricsServiceRequests written with Google's encoder following
/// opentelemetry/proto/metrics/v1/metrics.proto, read back by the AppHost's decoder.
/// </summary>
public class OtlpMetricDecoderTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = Start.AddMinutes(5);

    [Fact]
    public void Sums_and_gauges_keep_name_unit_temporality_monotonicity_attributes_and_int_or_double_values()
    {
        var request = Request("referrals", "ReferralNetwork",
            Metric("referral_network.referrals.submitted", "Referrals submitted", "{referral}", sum: Sum(temporality: 2, monotonic: true,
                NumberPoint(asInt: 7, KeyValue("pathway", "social-prescribing")),
                NumberPoint(asInt: 2, KeyValue("pathway", "self-referral")))),
            Metric("referral_network.subscription.lag", "", "{event}", gauge: Gauge(
                NumberPoint(asDouble: 12.5, KeyValue("subscription", "integration-events"), KeyValue("attempt", 3L)))));

        var metrics = OtlpDecoder.DecodeMetrics(request);

        Assert.Equal(2, metrics.Count);
        var submitted = metrics[0];
        Assert.Equal("referrals", submitted.ServiceName);
        Assert.Equal("ReferralNetwork", submitted.Scope);
        Assert.Equal("referral_network.referrals.submitted", submitted.Name);
        Assert.Equal("Referrals submitted", submitted.Description);
        Assert.Equal("{referral}", submitted.Unit);
        Assert.Equal(MetricKind.Sum, submitted.Kind);
        Assert.Equal(AggregationTemporality.Cumulative, submitted.Temporality);
        Assert.True(submitted.IsMonotonic);
        Assert.Equal([7.0, 2.0], submitted.Points.Select(p => p.Value));
        Assert.Equal(new Dictionary<string, string> { ["pathway"] = "social-prescribing" }, submitted.Points[0].Attributes);
        Assert.Equal(Start, submitted.Points[0].Start);
        Assert.Equal(Now, submitted.Points[0].Time);

        var lag = metrics[1];
        Assert.Equal(MetricKind.Gauge, lag.Kind);
        Assert.False(lag.IsMonotonic);
        var point = Assert.Single(lag.Points);
        Assert.Equal(12.5, point.Value);
        Assert.Equal(new Dictionary<string, string> { ["subscription"] = "integration-events", ["attempt"] = "3" }, point.Attributes);
    }

    [Fact]
    public void A_negative_int_value_and_delta_temporality_survive()
    {
        var request = Request("feedback", "test",
            Metric("queue.depth.change", "", "", sum: Sum(temporality: 1, monotonic: false, NumberPoint(asInt: -4))));

        var metric = Assert.Single(OtlpDecoder.DecodeMetrics(request));

        Assert.Equal(AggregationTemporality.Delta, metric.Temporality);
        Assert.False(metric.IsMonotonic);
        Assert.Equal(-4, Assert.Single(metric.Points).Value);
    }

    [Fact]
    public void Histograms_read_packed_and_unpacked_buckets_and_bounds_with_count_sum_min_max_and_attributes()
    {
        var packed = HistogramPoint(w =>
        {
            w.Fixed64(4, 10);
            w.Double(5, 123.5);
            w.PackedFixed64(6, 1, 4, 3, 2);
            w.PackedDouble(7, 1, 10, 100);
            w.Field(9, KeyValue("http.route", "/api/referrals/{id}"));
            w.Field(9, KeyValue("http.response.status_code", 200L));
            w.Double(11, 0.5);
            w.Double(12, 240);
        });
        var unpacked = HistogramPoint(w =>
        {
            w.Fixed64(4, 3);
            w.Double(5, 12);
            foreach (var count in new ulong[] { 0, 2, 1, 0 })
            {
                w.Fixed64(6, count);
            }
            foreach (var bound in new double[] { 1, 10, 100 })
            {
                w.Double(7, bound);
            }
        });
        var request = Request("gateway", "Microsoft.AspNetCore.Hosting",
            Metric("http.server.request.duration", "Duration of HTTP server requests.", "s", histogram: Histogram(temporality: 2, packed, unpacked)));

        var metric = Assert.Single(OtlpDecoder.DecodeMetrics(request));

        Assert.Equal(MetricKind.Histogram, metric.Kind);
        Assert.Equal(AggregationTemporality.Cumulative, metric.Temporality);
        Assert.Equal(2, metric.Points.Count);
        var first = metric.Points[0].Histogram!;
        Assert.Equal(10UL, first.Count);
        Assert.Equal(123.5, first.Sum);
        Assert.Equal([1UL, 4, 3, 2], first.BucketCounts);
        Assert.Equal([1.0, 10, 100], first.Bounds);
        Assert.Equal(0.5, first.Min);
        Assert.Equal(240, first.Max);
        Assert.Equal(10, metric.Points[0].Value);
        Assert.Equal(new Dictionary<string, string> { ["http.route"] = "/api/referrals/{id}", ["http.response.status_code"] = "200" },
            metric.Points[0].Attributes);
        var second = metric.Points[1].Histogram!;
        Assert.Equal([0UL, 2, 1, 0], second.BucketCounts);
        Assert.Equal([1.0, 10, 100], second.Bounds);
        Assert.Null(second.Min);
    }

    [Fact]
    public void Exponential_histograms_summaries_and_points_without_a_recorded_value_are_skipped()
    {
        var request = Request("linkworkers", "test",
            Metric("exponential", "", "", raw: w => w.Field(10, Message(e => e.Field(1, Message(p => p.Fixed64(4, 3)))))),
            Metric("summary", "", "", raw: w => w.Field(11, Message(s => s.Field(1, Message(p => p.Fixed64(4, 3)))))),
            Metric("kept", "", "", sum: Sum(2, true, NumberPoint(asInt: 1), Message(p =>
            {
                p.Fixed64(3, UnixNanoseconds(Now));
                p.Varint(8, 1);
            }))));

        var metric = Assert.Single(OtlpDecoder.DecodeMetrics(request));

        Assert.Equal("kept", metric.Name);
        Assert.Single(metric.Points);
    }

    [Fact]
    public void The_service_name_falls_back_when_the_resource_has_none()
    {
        var request = Message(w => w.Field(1, Message(resourceMetrics =>
            resourceMetrics.Field(2, Message(scopeMetrics => scopeMetrics.Field(2, Metric("m", "", "", gauge: Gauge(NumberPoint(asDouble: 1)))))))));

        Assert.Equal("unknown_service", Assert.Single(OtlpDecoder.DecodeMetrics(request)).ServiceName);
    }

    public static TheoryData<string> MalformedRequests => ["truncated", "buckets without matching bounds", "ragged packed field", "unnamed metric", "bounds going down"];

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public void Malformed_requests_are_refused(string malformation)
    {
        var request = malformation switch
        {
            "truncated" => Request("referrals", "t", Metric("m", "", "", gauge: Gauge(NumberPoint(asDouble: 1))))[..^4],
            "buckets without matching bounds" => Request("referrals", "t", Metric("m", "", "", histogram: Histogram(2, HistogramPoint(w =>
            {
                w.PackedFixed64(6, 1, 2);
                w.PackedDouble(7, 1, 2);
            })))),
            "ragged packed field" => Request("referrals", "t", Metric("m", "", "", histogram: Histogram(2, HistogramPoint(w =>
                w.Bytes(6, [1, 2, 3, 4, 5, 6, 7, 8, 9]))))),
            "bounds going down" => Request("referrals", "t", Metric("m", "", "", histogram: Histogram(2, HistogramPoint(w =>
            {
                w.PackedFixed64(6, 1, 2, 3);
                w.PackedDouble(7, 5, 1);
            })))),
            _ => Request("referrals", "t", Metric("", "", "", gauge: Gauge(NumberPoint(asDouble: 1)))),
        };

        Assert.Throws<InvalidDataException>(() => OtlpDecoder.DecodeMetrics(request));
    }

    [Fact]
    public void An_empty_request_has_no_metrics() => Assert.Empty(OtlpDecoder.DecodeMetrics([]));

    private static byte[] Request(string service, string scope, params byte[][] metrics) =>
        Message(w => w.Field(1, Message(resourceMetrics =>
        {
            resourceMetrics.Field(1, Message(resource => resource.Field(1, KeyValue("service.name", service))));
            resourceMetrics.Field(2, Message(scopeMetrics =>
            {
                scopeMetrics.Field(1, Message(s => s.String(1, scope)));
                foreach (var metric in metrics)
                {
                    scopeMetrics.Field(2, metric);
                }
            }));
        })));

    private static byte[] Metric(string name, string description, string unit,
        byte[]? gauge = null, byte[]? sum = null, byte[]? histogram = null, Action<ProtobufWriter>? raw = null) =>
        Message(w =>
        {
            // The data before the name, to show field order does not matter.
            if (gauge is not null)
            {
                w.Field(5, gauge);
            }
            if (sum is not null)
            {
                w.Field(7, sum);
            }
            if (histogram is not null)
            {
                w.Field(9, histogram);
            }
            raw?.Invoke(w);
            if (name.Length > 0)
            {
                w.String(1, name);
            }
            w.String(2, description);
            w.String(3, unit);
        });

    private static byte[] Gauge(params byte[][] points) => Message(w => Array.ForEach(points, p => w.Field(1, p)));

    private static byte[] Sum(int temporality, bool monotonic, params byte[][] points) =>
        Message(w =>
        {
            Array.ForEach(points, p => w.Field(1, p));
            w.Varint(2, (ulong)temporality);
            w.Varint(3, monotonic ? 1UL : 0UL);
        });

    private static byte[] Histogram(int temporality, params byte[][] points) =>
        Message(w =>
        {
            Array.ForEach(points, p => w.Field(1, p));
            w.Varint(2, (ulong)temporality);
        });

    private static byte[] NumberPoint(long? asInt = null, params byte[][] attributes) => NumberPoint(asInt, null, attributes);

    private static byte[] NumberPoint(double asDouble, params byte[][] attributes) => NumberPoint(null, asDouble, attributes);

    private static byte[] NumberPoint(long? asInt, double? asDouble, byte[][] attributes) =>
        Message(w =>
        {
            w.Fixed64(2, UnixNanoseconds(Start));
            w.Fixed64(3, UnixNanoseconds(Now));
            if (asDouble is { } d)
            {
                w.Double(4, d);
            }
            if (asInt is { } i)
            {
                w.SFixed64(6, i);
            }
            Array.ForEach(attributes, a => w.Field(7, a));
        });

    private static byte[] HistogramPoint(Action<ProtobufWriter> body) =>
        Message(w =>
        {
            w.Fixed64(2, UnixNanoseconds(Start));
            w.Fixed64(3, UnixNanoseconds(Now));
            body(w);
        });
}
