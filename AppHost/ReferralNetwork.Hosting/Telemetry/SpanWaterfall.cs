namespace ReferralNetwork.Hosting.Telemetry;

/// <summary>One row of a trace's waterfall: the span, how deep it nests, and where its bar sits (percent of the trace).</summary>
public sealed record WaterfallRow(ReceivedSpan Span, int Depth, double OffsetPercent, double WidthPercent);

/// <summary>
/// Lays a trace out as a waterfall: each span under its parent (children in start order), indented
/// by depth, with a bar from its start to its end on a scale of the whole trace.
/// </summary>
public static class SpanWaterfall
{
    public static IReadOnlyList<WaterfallRow> Layout(IReadOnlyList<ReceivedSpan> spans)
    {
        if (spans.Count == 0)
        {
            return [];
        }
        var traceStart = spans.Min(s => s.Start);
        var traceEnd = spans.Max(s => s.End > s.Start ? s.End : s.Start);
        var total = (traceEnd - traceStart).TotalMilliseconds;

        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var children = spans
            .Where(s => s.ParentSpanId is not null && ids.Contains(s.ParentSpanId))
            .GroupBy(s => s.ParentSpanId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(s => s.Start).ToList(), StringComparer.Ordinal);
        // A span whose parent never arrived (not exported yet, or forgotten) still shows, at the top level.
        var roots = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).OrderBy(s => s.Start);

        var rows = new List<WaterfallRow>(spans.Count);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        void Place(ReceivedSpan span, int depth)
        {
            // Guards against a malformed trace whose parents form a loop.
            if (!placed.Add(span.SpanId))
            {
                return;
            }
            var offset = total <= 0 ? 0 : (span.Start - traceStart).TotalMilliseconds / total * 100;
            var width = total <= 0 ? 100 : span.Duration.TotalMilliseconds / total * 100;
            rows.Add(new WaterfallRow(span, depth, offset, Math.Min(width, 100 - offset)));
            foreach (var child in children.GetValueOrDefault(span.SpanId) ?? [])
            {
                Place(child, depth + 1);
            }
        }
        foreach (var root in roots)
        {
            Place(root, 0);
        }
        // Spans caught in a parent loop have no root; show them rather than lose them.
        foreach (var orphan in spans.Where(s => !placed.Contains(s.SpanId)).OrderBy(s => s.Start))
        {
            Place(orphan, 0);
        }
        return rows;
    }
}
