using ReferralNetwork.Hosting.Telemetry;

namespace ReferralNetwork.UnitTests.AppHost;

public class TelemetryStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static ReceivedSpan Span(string trace, string id, string? parent, string service, int startMs, int endMs) =>
        new(trace, id, parent, "span " + id, SpanKind.Server, T0.AddMilliseconds(startMs), T0.AddMilliseconds(endMs), SpanStatus.Unset,
            service, "test", new Dictionary<string, string>());

    [Fact]
    public void The_oldest_spans_are_forgotten_first_and_a_trace_with_none_left_disappears()
    {
        var store = new TelemetryStore(maxSpans: 3);
        store.Add([Span("old", "1", null, "gateway", 0, 10), Span("new", "2", null, "gateway", 20, 30)]);
        store.Add([Span("new", "3", "2", "referrals", 21, 25), Span("new", "4", "3", "linkworkers", 22, 29)]);

        Assert.Equal(3, store.SpanCount);
        Assert.Empty(store.Trace("old"));
        var trace = Assert.Single(store.RecentTraces(10));
        Assert.Equal("new", trace.TraceId);
        Assert.Equal("span 2", trace.RootName);
        Assert.Equal(["gateway", "linkworkers", "referrals"], trace.Services);
        Assert.Equal(3, trace.SpanCount);
        Assert.Equal(TimeSpan.FromMilliseconds(10), trace.Duration);
    }

    [Fact]
    public void Logs_are_kept_per_service_and_filtered_by_level_and_text()
    {
        var store = new TelemetryStore(maxLogRecordsPerService: 2);
        ReceivedLogRecord Log(string service, int severity, string message, int second) =>
            new(T0.AddSeconds(second), service, OtlpDecoder.LevelOf(severity), severity, "Category", message, null, null, null);
        store.Add([Log("referrals", 9, "first", 1), Log("referrals", 13, "second", 2), Log("referrals", 17, "third", 3), Log("gateway", 9, "gateway started", 4)]);

        Assert.Equal(["third", "second"], store.RecentLogs(10, "referrals").Select(l => l.Message));
        Assert.Equal(["third", "second"], store.RecentLogs(10, minimumSeverity: 13).Select(l => l.Message));
        Assert.Equal(["gateway started"], store.RecentLogs(10, search: "STARTED").Select(l => l.Message));
    }
}
