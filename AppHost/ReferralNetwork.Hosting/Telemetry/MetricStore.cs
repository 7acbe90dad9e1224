namespace ReferralNetwork.Hosting.Telemetry;

/// <summary>
/// One reading of a series. For sums and histograms the store keeps cumulative totals (see
/// <see cref="MetricStore"/>); for histograms <see cref="Value"/> repeats the count.
/// </summary>
public readonly record struct MetricSample(DateTimeOffset Time, double Value, HistogramValue? Histogram = null);

/// <summary>What an instrument is, as its producer last described it.</summary>
public sealed record MetricDescriptor(string Name, string Description, string Unit, MetricKind Kind, bool IsMonotonic);

/// <summary>A metric as listed on the dashboard: which services report it and how many attribute sets.</summary>
public sealed record MetricSummary(MetricDescriptor Metric, IReadOnlyList<string> Services, int SeriesCount, DateTimeOffset LastUpdated);

/// <summary>The readings of one attribute set of one metric from one service, oldest first.</summary>
public sealed record MetricSeries(string Service, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<MetricSample> Samples);

/// <summary>
/// The metrics the OTLP receiver has heard, in memory only and bounded: per service, metric and
/// attribute set the latest <c>maxSamplesPerSeries</c> readings (240 at a 5 s export interval is
/// 20 minutes), and at most <c>maxSeries</c> series (the least recently updated go first).
/// <para>
/// Sums and histograms are answered as cumulative totals whatever temporality the producer used:
/// delta points are accumulated. A cumulative monotonic total that restarts (a new start time, or a
/// value lower than the last, which is what a restarted service sends) is carried on from where the
/// previous run left off, so totals never go down and a rate drawn from them is never negative.
/// </para>
/// </summary>
public sealed class MetricStore(int maxSamplesPerSeries = 240, int maxSeries = 5_000)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, MetricDescriptor> descriptors = new(StringComparer.Ordinal);
    private readonly Dictionary<SeriesKey, SeriesState> series = [];

    public int SeriesCount
    {
        get
        {
            lock (gate)
            {
                return series.Count;
            }
        }
    }

    public void Add(IEnumerable<ReceivedMetric> metrics)
    {
        lock (gate)
        {
            foreach (var metric in metrics)
            {
                descriptors[metric.Name] = new MetricDescriptor(metric.Name, metric.Description, metric.Unit, metric.Kind, metric.IsMonotonic);
                foreach (var point in metric.Points)
                {
                    SeriesFor(metric, point).Record(metric, point);
                }
            }
        }
    }

    /// <summary>Every metric with at least one reading, by name.</summary>
    public IReadOnlyList<MetricSummary> Catalogue()
    {
        lock (gate)
        {
            return
            [
                .. series.Values
                    .Where(s => s.Last is not null)
                    .GroupBy(s => s.Name, StringComparer.Ordinal)
                    .Where(g => descriptors.ContainsKey(g.Key))
                    .OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => new MetricSummary(
                        descriptors[g.Key],
                        [.. g.Select(s => s.Service).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                        g.Count(),
                        g.Max(s => s.Last!.Value.Time))),
            ];
        }
    }

    public MetricDescriptor? Describe(string name)
    {
        lock (gate)
        {
            return descriptors.GetValueOrDefault(name);
        }
    }

    /// <summary>A copy of the series of one metric (optionally of one service only), ordered by service then attributes.</summary>
    public IReadOnlyList<MetricSeries> Series(string name, string? service = null)
    {
        lock (gate)
        {
            return
            [
                .. series
                    .Where(s => s.Key.Name == name && (service is null || s.Key.Service == service) && s.Value.Last is not null)
                    .OrderBy(s => s.Key.Service, StringComparer.Ordinal)
                    .ThenBy(s => s.Key.Attributes, StringComparer.Ordinal)
                    .Select(s => new MetricSeries(s.Value.Service, s.Value.Attributes, [.. s.Value.Samples])),
            ];
        }
    }

    private SeriesState SeriesFor(ReceivedMetric metric, ReceivedMetricPoint point)
    {
        var key = new SeriesKey(metric.ServiceName, metric.Name, AttributeKey(point.Attributes));
        if (series.TryGetValue(key, out var state) && state.Kind == metric.Kind && state.IsMonotonic == metric.IsMonotonic)
        {
            return state;
        }
        // A new series, or one whose instrument changed kind (a redeploy): readings of another kind cannot continue it.
        if (state is null && series.Count >= maxSeries)
        {
            var stalest = series.MinBy(s => s.Value.Last?.Time ?? DateTimeOffset.MinValue).Key;
            series.Remove(stalest);
        }
        return series[key] = new SeriesState(metric.ServiceName, metric.Name, point.Attributes, metric.Kind, metric.IsMonotonic, maxSamplesPerSeries);
    }

    /// <summary>The attribute set in a canonical form (sorted, with separators that cannot occur in OTLP keys in practice).</summary>
    private static string AttributeKey(IReadOnlyDictionary<string, string> attributes) =>
        string.Join('\u001e', attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + '\u001f' + a.Value));

    private readonly record struct SeriesKey(string Service, string Name, string Attributes);

    private sealed class SeriesState(
        string service, string name, IReadOnlyDictionary<string, string> attributes, MetricKind kind, bool isMonotonic, int capacity)
    {
        private readonly Queue<MetricSample> samples = new();

        // The last cumulative reading as the producer sent it, and what earlier runs had reached.
        private DateTimeOffset rawStart;
        private double? rawValue;
        private HistogramValue? rawHistogram;
        private double offset;
        private HistogramValue offsetHistogram = HistogramValue.Empty;

        public string Service { get; } = service;

        public string Name { get; } = name;

        public IReadOnlyDictionary<string, string> Attributes { get; } =
            new SortedDictionary<string, string>(attributes.ToDictionary(), StringComparer.Ordinal);

        public MetricKind Kind { get; } = kind;

        public bool IsMonotonic { get; } = isMonotonic;

        public MetricSample? Last { get; private set; }

        public IEnumerable<MetricSample> Samples => samples;

        public void Record(ReceivedMetric metric, ReceivedMetricPoint point)
        {
            // A repeated or out-of-order point (an exporter retrying a batch) must not count twice.
            if (Last is { } last && point.Time <= last.Time)
            {
                return;
            }
            var sample = Kind switch
            {
                MetricKind.Histogram => HistogramSample(metric.Temporality, point),
                MetricKind.Sum => SumSample(metric.Temporality, point),
                _ => double.IsFinite(point.Value) ? new MetricSample(point.Time, point.Value) : (MetricSample?)null,
            };
            if (sample is not { } kept)
            {
                return;
            }
            if (samples.Count == capacity)
            {
                samples.Dequeue();
            }
            samples.Enqueue(kept);
            Last = kept;
        }

        private MetricSample? SumSample(AggregationTemporality temporality, ReceivedMetricPoint point)
        {
            if (!double.IsFinite(point.Value))
            {
                return null;
            }
            if (temporality == AggregationTemporality.Delta)
            {
                // A monotonic delta is never negative; guard anyway so the total cannot go down.
                var increment = IsMonotonic ? Math.Max(0, point.Value) : point.Value;
                return new MetricSample(point.Time, (Last?.Value ?? 0) + increment);
            }
            if (!IsMonotonic)
            {
                // An up-down counter is a level: after a restart the new level is simply the truth.
                return new MetricSample(point.Time, point.Value);
            }
            if (rawValue is { } previous && (point.Start != rawStart || point.Value < previous))
            {
                offset += previous;
            }
            rawStart = point.Start;
            rawValue = point.Value;
            return new MetricSample(point.Time, offset + point.Value);
        }

        private MetricSample? HistogramSample(AggregationTemporality temporality, ReceivedMetricPoint point)
        {
            var histogram = point.Histogram;
            if (histogram is null || !double.IsFinite(histogram.Sum))
            {
                return null;
            }
            HistogramValue total;
            if (temporality == AggregationTemporality.Delta)
            {
                // New bucket boundaries cannot be added to the old: the total starts again from this point.
                total = Last?.Histogram is { } previous ? HistogramMath.Add(previous, histogram) ?? histogram : histogram;
            }
            else
            {
                if (rawHistogram is { } raw && (point.Start != rawStart || histogram.Count < raw.Count || !histogram.SameBuckets(raw)))
                {
                    var reached = HistogramMath.Add(offsetHistogram, raw) ?? raw;
                    offsetHistogram = reached.SameBuckets(histogram) ? reached : HistogramValue.Empty;
                }
                rawStart = point.Start;
                rawHistogram = histogram;
                total = HistogramMath.Add(offsetHistogram, histogram) ?? histogram;
            }
            if (Last?.Histogram is { } kept && !ReferenceEquals(kept.Bounds, total.Bounds) && kept.Bounds.SequenceEqual(total.Bounds))
            {
                // Every reading repeats the same bounds: keep one copy per series, not one per sample.
                total = total with { Bounds = kept.Bounds };
            }
            return new MetricSample(point.Time, total.Count, total);
        }
    }
}
