using ReferralNetwork.Hosting.Telemetry;

namespace ReferralNetwork.UnitTests.AppHost;

public class SpanWaterfallTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static ReceivedSpan Span(string id, string? parent, int startMs, int endMs, string trace = "t1") =>
        new(trace, id, parent, "span " + id, SpanKind.Internal, T0.AddMilliseconds(startMs), T0.AddMilliseconds(endMs), SpanStatus.Unset,
            "referrals", "test", new Dictionary<string, string>());

    [Fact]
    public void Children_follow_their_parent_in_start_order_indented_with_bars_scaled_to_the_whole_trace()
    {
        var rows = SpanWaterfall.Layout(
        [
            Span("c2", "root", 60, 100),
            Span("root", null, 0, 100),
            Span("c1", "root", 10, 50),
            Span("g1", "c1", 20, 30),
        ]);

        Assert.Equal(["root", "c1", "g1", "c2"], rows.Select(r => r.Span.SpanId));
        Assert.Equal([0, 1, 2, 1], rows.Select(r => r.Depth));
        Assert.Equal([0d, 10, 20, 60], rows.Select(r => Math.Round(r.OffsetPercent, 6)));
        Assert.Equal([100d, 40, 10, 40], rows.Select(r => Math.Round(r.WidthPercent, 6)));
    }

    [Fact]
    public void A_span_whose_parent_never_arrived_is_shown_at_the_top_level()
    {
        var rows = SpanWaterfall.Layout([Span("late", "missing", 50, 150), Span("root", null, 100, 200)]);

        Assert.Equal(["late", "root"], rows.Select(r => r.Span.SpanId));
        Assert.All(rows, r => Assert.Equal(0, r.Depth));
        Assert.Equal(0, rows[0].OffsetPercent);
        Assert.Equal(100d / 3, rows[1].OffsetPercent, precision: 6);
    }

    [Fact]
    public void Spans_whose_parents_form_a_loop_still_show_once_each()
    {
        var rows = SpanWaterfall.Layout([Span("a", "b", 0, 10), Span("b", "a", 5, 10)]);

        Assert.Equal(["a", "b"], rows.Select(r => r.Span.SpanId));
    }

    [Fact]
    public void A_trace_of_instant_spans_gets_full_width_bars_rather_than_dividing_by_zero()
    {
        var row = Assert.Single(SpanWaterfall.Layout([Span("only", null, 0, 0)]));

        Assert.Equal(0, row.OffsetPercent);
        Assert.Equal(100, row.WidthPercent);
    }
}
