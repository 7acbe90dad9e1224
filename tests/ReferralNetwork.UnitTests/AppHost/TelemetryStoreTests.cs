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
    public void Traces_are_found_by_service_by_root_name_or_trace_id_and_by_errors()
    {
        var store = new TelemetryStore();
        store.Add(
        [
            Span("0af7651916cd43dd8448eb211c80319c", "1", null, "gateway", 0, 10),
            Span("0af7651916cd43dd8448eb211c80319c", "2", "1", "referrals", 1, 9),
            Span("4bf92f3577b34da6a3ce929d0e0e4736", "3", null, "gateway", 20, 30) with { Name = "POST /connect/token" },
            Span("b7ad6b7169203331b7ad6b7169203331", "4", null, "linkworkers", 40, 50) with { Status = SpanStatus.Error },
        ]);

        Assert.Equal(["0af7651916cd43dd8448eb211c80319c"], store.RecentTraces(10, service: "referrals").Select(t => t.TraceId));
        Assert.Equal(["4bf92f3577b34da6a3ce929d0e0e4736"], store.RecentTraces(10, search: "connect/TOKEN").Select(t => t.TraceId));
        // A partner quotes the id from traceresponse; its start is enough.
        Assert.Equal(["0af7651916cd43dd8448eb211c80319c"], store.RecentTraces(10, search: "0AF76519").Select(t => t.TraceId));
        Assert.Equal(["b7ad6b7169203331b7ad6b7169203331"], store.RecentTraces(10, errorsOnly: true).Select(t => t.TraceId));
        Assert.Equal(3, store.RecentTraces(10).Count);
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
