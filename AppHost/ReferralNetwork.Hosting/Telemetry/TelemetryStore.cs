namespace ReferralNetwork.Hosting.Telemetry;

/// <summary>A trace as listed on the dashboard.</summary>
public sealed record TraceSummary(
    string TraceId,
    string RootName,
    string RootService,
    IReadOnlyList<string> Services,
    int SpanCount,
    DateTimeOffset Start,
    TimeSpan Duration,
    bool HasErrors);

/// <summary>
/// What the AppHost's OTLP receiver has heard, in memory only and bounded: the most recent spans
/// grouped by trace, the most recent log records of each service, and recent metric readings
/// (<see cref="Metrics"/>). Oldest go first.
/// </summary>
public sealed class TelemetryStore(int maxSpans = 20_000, int maxLogRecordsPerService = 2_000)
{
    private readonly Lock gate = new();
    private readonly Queue<ReceivedSpan> spansInArrivalOrder = new();
    private readonly Dictionary<string, List<ReceivedSpan>> spansByTrace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<ReceivedLogRecord>> logsByService = new(StringComparer.Ordinal);

    public MetricStore Metrics { get; } = new();

    public int SpanCount
    {
        get
        {
            lock (gate)
            {
                return spansInArrivalOrder.Count;
            }
        }
    }

    public void Add(IEnumerable<ReceivedSpan> spans)
    {
        lock (gate)
        {
            foreach (var span in spans)
            {
                if (spansInArrivalOrder.Count == maxSpans)
                {
                    Forget(spansInArrivalOrder.Dequeue());
                }
                spansInArrivalOrder.Enqueue(span);
                if (!spansByTrace.TryGetValue(span.TraceId, out var trace))
                {
                    spansByTrace[span.TraceId] = trace = [];
                }
                trace.Add(span);
            }
        }
    }

    public void Add(IEnumerable<ReceivedLogRecord> records)
    {
        lock (gate)
        {
            foreach (var record in records)
            {
                if (!logsByService.TryGetValue(record.ServiceName, out var kept))
                {
                    logsByService[record.ServiceName] = kept = new Queue<ReceivedLogRecord>();
                }
                if (kept.Count == maxLogRecordsPerService)
                {
                    kept.Dequeue();
                }
                kept.Enqueue(record);
            }
        }
    }

    /// <summary>The spans of one trace (empty when unknown or already forgotten).</summary>
    public IReadOnlyList<ReceivedSpan> Trace(string traceId)
    {
        lock (gate)
        {
            return spansByTrace.TryGetValue(traceId, out var trace) ? [.. trace] : [];
        }
    }

    /// <summary>The most recent traces first, optionally only those touching <paramref name="service"/>.</summary>
    /// <summary>
    /// Newest first: those with a span of <paramref name="service"/>, whose root span's name contains
    /// <paramref name="search"/> or whose id starts with it (a partner quotes the id from traceresponse),
    /// and only those with an error span when <paramref name="errorsOnly"/>.
    /// </summary>
    public IReadOnlyList<TraceSummary> RecentTraces(int limit, string? service = null, string? search = null, bool errorsOnly = false)
    {
        List<ReceivedSpan[]> traces;
        lock (gate)
        {
            traces = [.. spansByTrace.Values.Select(t => t.ToArray())];
        }
        return
        [
            .. traces
                .Where(t => service is null || t.Any(s => s.ServiceName == service))
                .Select(Summarise)
                .Where(t => search is null
                    || t.RootName.Contains(search, StringComparison.OrdinalIgnoreCase)
                    || t.TraceId.StartsWith(search, StringComparison.OrdinalIgnoreCase))
                .Where(t => !errorsOnly || t.HasErrors)
                .OrderByDescending(t => t.Start)
                .Take(limit),
        ];
    }

    /// <summary>Newest first, filtered by service, lowest severity and text (message, template or category).</summary>
    public IReadOnlyList<ReceivedLogRecord> RecentLogs(int limit, string? service = null, int minimumSeverity = 0, string? search = null)
    {
        List<ReceivedLogRecord> all;
        lock (gate)
        {
            all = [.. logsByService.Where(l => service is null || l.Key == service).SelectMany(l => l.Value)];
        }
        return
        [
            .. all
                .Where(r => r.SeverityNumber >= minimumSeverity)
                .Where(r => string.IsNullOrEmpty(search)
                    || r.Message.Contains(search, StringComparison.OrdinalIgnoreCase)
                    || r.Category.Contains(search, StringComparison.OrdinalIgnoreCase)
                    || (r.MessageTemplate?.Contains(search, StringComparison.OrdinalIgnoreCase) ?? false))
                .OrderByDescending(r => r.Timestamp)
                .Take(limit),
        ];
    }

    private static TraceSummary Summarise(ReceivedSpan[] spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        // The root is the earliest span whose parent we never received (normally the one without a parent).
        var root = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).MinBy(s => s.Start) ?? spans.MinBy(s => s.Start)!;
        var start = spans.Min(s => s.Start);
        var end = spans.Max(s => s.End);
        return new TraceSummary(
            root.TraceId, root.Name, root.ServiceName,
            [.. spans.Select(s => s.ServiceName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            spans.Length, start, end > start ? end - start : TimeSpan.Zero,
            spans.Any(s => s.Status == SpanStatus.Error));
    }

    private void Forget(ReceivedSpan span)
    {
        if (spansByTrace.TryGetValue(span.TraceId, out var trace))
        {
            trace.Remove(span);
            if (trace.Count == 0)
            {
                spansByTrace.Remove(span.TraceId);
            }
        }
    }
}
