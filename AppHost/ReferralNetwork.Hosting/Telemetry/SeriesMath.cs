namespace ReferralNetwork.Hosting.Telemetry;

/// <summary>Questions the dashboard asks of stored series: totals over a recent window, and series merged by attribute.</summary>
public static class SeriesMath
{
    /// <summary>
    /// How much a cumulative total grew since <paramref name="since"/>: the latest reading less the last
    /// reading at or before that moment. A series first seen inside the window counts from zero (the
    /// AppHost hears every service from its start, so that is when the counting began); a series not
    /// reported since the window began (its service stopped) grew by nothing.
    /// </summary>
    public static double Increase(IReadOnlyList<MetricSample> samples, DateTimeOffset since)
    {
        if (samples.Count == 0 || samples[^1].Time < since)
        {
            return 0;
        }
        var baseline = Baseline(samples, since);
        return Math.Max(0, samples[^1].Value - (baseline?.Value ?? 0));
    }

    /// <summary>What a cumulative histogram recorded since <paramref name="since"/>, bucket by bucket (see <see cref="Increase"/>).</summary>
    public static HistogramValue HistogramIncrease(IReadOnlyList<MetricSample> samples, DateTimeOffset since)
    {
        if (samples.Count == 0 || samples[^1].Time < since || samples[^1].Histogram is not { } latest)
        {
            return HistogramValue.Empty;
        }
        return Baseline(samples, since)?.Histogram is { } earlier ? HistogramMath.Subtract(latest, earlier) : latest;
    }

    /// <summary>
    /// Merges the series of each service that agree on the <paramref name="keys"/> attributes (an
    /// empty list merges all of a service's series), keeping only those attributes. Readings are
    /// summed at every moment any member reported, each member contributing its latest reading at or
    /// before that moment — the right sum for cumulative totals and for levels alike. A histogram whose
    /// buckets differ from those already summed is left out.
    /// </summary>
    public static IReadOnlyList<MetricSeries> Group(IEnumerable<MetricSeries> series, IReadOnlyList<string> keys) =>
    [
        .. series
            .GroupBy(s => (s.Service, Values: string.Join('\u001f', keys.Select(k => s.Attributes.GetValueOrDefault(k, "")))))
            .Select(g =>
            {
                var members = g.ToList();
                var attributes = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var key in keys)
                {
                    if (members[0].Attributes.TryGetValue(key, out var value))
                    {
                        attributes[key] = value;
                    }
                }
                var samples = members.Count == 1 ? members[0].Samples : Sum(members);
                return new MetricSeries(g.Key.Service, attributes, samples);
            })
            .OrderBy(s => s.Service, StringComparer.Ordinal)
            .ThenBy(s => string.Join('\u001f', s.Attributes.Values), StringComparer.Ordinal),
    ];

    private static List<MetricSample> Sum(List<MetricSeries> members)
    {
        var times = members.SelectMany(m => m.Samples.Select(s => s.Time)).Distinct().Order().ToList();
        var next = new int[members.Count];
        var current = new MetricSample?[members.Count];
        var summed = new List<MetricSample>(times.Count);
        foreach (var time in times)
        {
            double value = 0;
            HistogramValue? histogram = null;
            for (var m = 0; m < members.Count; m++)
            {
                var samples = members[m].Samples;
                while (next[m] < samples.Count && samples[next[m]].Time <= time)
                {
                    current[m] = samples[next[m]++];
                }
                if (current[m] is not { } sample)
                {
                    continue;
                }
                if (sample.Histogram is { } part)
                {
                    if ((histogram is null ? part : HistogramMath.Add(histogram, part)) is { } added)
                    {
                        histogram = added;
                        value = added.Count;
                    }
                }
                else
                {
                    value += sample.Value;
                }
            }
            summed.Add(new MetricSample(time, value, histogram));
        }
        return summed;
    }

    /// <summary>The last reading at or before <paramref name="moment"/>, if any.</summary>
    private static MetricSample? Baseline(IReadOnlyList<MetricSample> samples, DateTimeOffset moment)
    {
        for (var i = samples.Count - 1; i >= 0; i--)
        {
            if (samples[i].Time <= moment)
            {
                return samples[i];
            }
        }
        return null;
    }
}
