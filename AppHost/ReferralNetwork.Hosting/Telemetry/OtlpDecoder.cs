using System.Globalization;

namespace ReferralNetwork.Hosting.Telemetry;

/// <summary>
/// Reads OTLP/HTTP protobuf export requests (opentelemetry/proto/collector/{trace,logs,metrics}/v1) into
/// the records the dashboard keeps. Field numbers are those of the OTLP 1.x .proto files.
/// </summary>
public static class OtlpDecoder
{
    /// <summary>Span attributes worth showing an operator that cannot carry personal data.</summary>
    public static readonly IReadOnlySet<string> KeptSpanAttributes = new HashSet<string>(StringComparer.Ordinal)
    {
        "http.route",
        "http.request.method",
        "http.response.status_code",
        "messaging.destination.name",
        "messaging.system",
        "messaging.operation",
        "db.system",
        // The trace id a partner sent to the gateway (which starts our own trace), for cross-reference.
        "partner.trace_id",
    };

    private const string UnknownService = "unknown_service";

    /// <summary>DataPointFlags.NO_RECORDED_VALUE: the point only marks a gap, it carries no value.</summary>
    private const ulong NoRecordedValue = 1;

    /// <summary>Decodes an ExportTraceServiceRequest.</summary>
    public static IReadOnlyList<ReceivedSpan> DecodeTraces(ReadOnlySpan<byte> request)
    {
        var spans = new List<ReceivedSpan>();
        foreach (var (service, scope, encoded) in Records(request))
        {
            spans.Add(ReadSpan(encoded, service, scope));
        }
        return spans;
    }

    /// <summary>Decodes an ExportLogsServiceRequest (.NET's exporter names each scope after the logger's category).</summary>
    public static IReadOnlyList<ReceivedLogRecord> DecodeLogs(ReadOnlySpan<byte> request)
    {
        var records = new List<ReceivedLogRecord>();
        foreach (var (service, category, encoded) in Records(request))
        {
            records.Add(ReadLogRecord(encoded, service, category));
        }
        return records;
    }

    /// <summary>
    /// Decodes an ExportMetricsServiceRequest. Gauges, sums and explicit-bucket histograms are kept;
    /// exponential histograms and summaries are skipped (no .NET instrument we use produces them).
    /// </summary>
    public static IReadOnlyList<ReceivedMetric> DecodeMetrics(ReadOnlySpan<byte> request)
    {
        var metrics = new List<ReceivedMetric>();
        foreach (var (service, scope, encoded) in Records(request))
        {
            if (ReadMetric(encoded, service, scope) is { } metric)
            {
                metrics.Add(metric);
            }
        }
        return metrics;
    }

    /// <summary>
    /// Traces, logs and metrics share one envelope: the request repeats resource entries (field 1); each
    /// holds its resource (field 1) and repeated scope entries (field 2); each of those its scope (field 1)
    /// and the repeated records (field 2). Yields each record with its service and scope names.
    /// </summary>
    private static List<(string Service, string Scope, byte[] Record)> Records(ReadOnlySpan<byte> request)
    {
        var found = new List<(string, string, byte[])>();
        foreach (var resourceEntry in Repeated(request, 1))
        {
            // The resource may follow the scopes on the wire, so the parts are read before use.
            var (resource, scopeEntries) = Envelope(resourceEntry);
            var service = resource is null ? UnknownService : ReadServiceName(resource);
            foreach (var scopeEntry in scopeEntries)
            {
                var (scope, records) = Envelope(scopeEntry);
                var scopeName = scope is null ? "" : ReadScopeName(scope);
                found.AddRange(records.Select(record => (service, scopeName, record)));
            }
        }
        return found;
    }

    private static (byte[]? Header, List<byte[]> Items) Envelope(ReadOnlySpan<byte> message)
    {
        byte[]? header = null;
        var items = new List<byte[]>();
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == WireType.LengthDelimited: header = reader.ReadBytes().ToArray(); break;
                case 2 when wire == WireType.LengthDelimited: items.Add(reader.ReadBytes().ToArray()); break;
                default: reader.Skip(wire); break;
            }
        }
        return (header, items);
    }

    private static List<byte[]> Repeated(ReadOnlySpan<byte> message, int wantedField)
    {
        var items = new List<byte[]>();
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == wantedField && wire == WireType.LengthDelimited)
            {
                items.Add(reader.ReadBytes().ToArray());
            }
            else
            {
                reader.Skip(wire);
            }
        }
        return items;
    }

    private static ReceivedSpan ReadSpan(ReadOnlySpan<byte> message, string service, string scope)
    {
        string traceId = "", spanId = "", name = "";
        string? parentSpanId = null;
        var kind = SpanKind.Unspecified;
        var status = SpanStatus.Unset;
        ulong start = 0, end = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == WireType.LengthDelimited: traceId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 2 when wire == WireType.LengthDelimited: spanId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 4 when wire == WireType.LengthDelimited:
                    var parent = reader.ReadBytes();
                    parentSpanId = parent.IsEmpty ? null : Convert.ToHexStringLower(parent);
                    break;
                case 5 when wire == WireType.LengthDelimited: name = reader.ReadString(); break;
                case 6 when wire == WireType.Varint: kind = (SpanKind)(int)reader.ReadVarint(); break;
                case 7 when wire == WireType.Fixed64: start = reader.ReadFixed64(); break;
                case 8 when wire == WireType.Fixed64: end = reader.ReadFixed64(); break;
                case 9 when wire == WireType.LengthDelimited:
                    var (key, value) = ReadKeyValue(reader.ReadBytes());
                    if (KeptSpanAttributes.Contains(key) && value is not null)
                    {
                        attributes[key] = value;
                    }
                    break;
                case 15 when wire == WireType.LengthDelimited: status = ReadStatusCode(reader.ReadBytes()); break;
                default: reader.Skip(wire); break;
            }
        }
        if (traceId.Length == 0 || spanId.Length == 0)
        {
            throw new InvalidDataException("A span without trace or span id.");
        }
        return new ReceivedSpan(traceId, spanId, parentSpanId, name, kind, FromUnixNanoseconds(start), FromUnixNanoseconds(end),
            status, service, scope, attributes);
    }

    private static ReceivedLogRecord ReadLogRecord(ReadOnlySpan<byte> message, string service, string category)
    {
        ulong time = 0, observed = 0;
        var severity = 0;
        string severityText = "", body = "";
        string? template = null, traceId = null, spanId = null;
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == WireType.Fixed64: time = reader.ReadFixed64(); break;
                case 11 when wire == WireType.Fixed64: observed = reader.ReadFixed64(); break;
                case 2 when wire == WireType.Varint: severity = (int)reader.ReadVarint(); break;
                case 3 when wire == WireType.LengthDelimited: severityText = reader.ReadString(); break;
                case 5 when wire == WireType.LengthDelimited: body = ReadAnyValue(reader.ReadBytes()) ?? ""; break;
                case 6 when wire == WireType.LengthDelimited:
                    var (key, value) = ReadKeyValue(reader.ReadBytes());
                    if (key == "{OriginalFormat}")
                    {
                        template = value;
                    }
                    break;
                case 9 when wire == WireType.LengthDelimited: traceId = HexOrNull(reader.ReadBytes()); break;
                case 10 when wire == WireType.LengthDelimited: spanId = HexOrNull(reader.ReadBytes()); break;
                default: reader.Skip(wire); break;
            }
        }
        var level = severityText.Length > 0 ? severityText : LevelOf(severity);
        return new ReceivedLogRecord(FromUnixNanoseconds(time != 0 ? time : observed), service, level, severity, category, body,
            template, traceId, spanId);
    }

    private static ReceivedMetric? ReadMetric(ReadOnlySpan<byte> message, string service, string scope)
    {
        string name = "", description = "", unit = "";
        MetricKind? kind = null;
        byte[]? data = null;
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == WireType.LengthDelimited: name = reader.ReadString(); break;
                case 2 when wire == WireType.LengthDelimited: description = reader.ReadString(); break;
                case 3 when wire == WireType.LengthDelimited: unit = reader.ReadString(); break;
                case 5 when wire == WireType.LengthDelimited: (kind, data) = (MetricKind.Gauge, reader.ReadBytes().ToArray()); break;
                case 7 when wire == WireType.LengthDelimited: (kind, data) = (MetricKind.Sum, reader.ReadBytes().ToArray()); break;
                case 9 when wire == WireType.LengthDelimited: (kind, data) = (MetricKind.Histogram, reader.ReadBytes().ToArray()); break;
                // 10 exponential histogram, 11 summary, 12 metadata: skipped like any unknown field.
                default: reader.Skip(wire); break;
            }
        }
        if (name.Length == 0)
        {
            throw new InvalidDataException("A metric without a name.");
        }
        if (kind is not { } metricKind || data is null)
        {
            return null;
        }

        var temporality = AggregationTemporality.Unspecified;
        var monotonic = false;
        var points = new List<ReceivedMetricPoint>();
        var dataReader = new ProtobufReader(data);
        while (dataReader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == WireType.LengthDelimited:
                    var point = metricKind == MetricKind.Histogram ? ReadHistogramPoint(dataReader.ReadBytes()) : ReadNumberPoint(dataReader.ReadBytes());
                    if (point is not null)
                    {
                        points.Add(point);
                    }
                    break;
                case 2 when wire == WireType.Varint && metricKind != MetricKind.Gauge:
                    temporality = (AggregationTemporality)(int)dataReader.ReadVarint();
                    break;
                case 3 when wire == WireType.Varint && metricKind == MetricKind.Sum: monotonic = dataReader.ReadVarint() != 0; break;
                default: dataReader.Skip(wire); break;
            }
        }
        return new ReceivedMetric(service, scope, name, description, unit, metricKind, temporality, monotonic, points);
    }

    private static ReceivedMetricPoint? ReadNumberPoint(ReadOnlySpan<byte> message)
    {
        ulong start = 0, time = 0, flags = 0;
        double value = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 2 when wire == WireType.Fixed64: start = reader.ReadFixed64(); break;
                case 3 when wire == WireType.Fixed64: time = reader.ReadFixed64(); break;
                case 4 when wire == WireType.Fixed64: value = BitConverter.UInt64BitsToDouble(reader.ReadFixed64()); break;
                case 6 when wire == WireType.Fixed64: value = (long)reader.ReadFixed64(); break;
                case 7 when wire == WireType.LengthDelimited: AddAttribute(attributes, reader.ReadBytes()); break;
                case 8 when wire == WireType.Varint: flags = reader.ReadVarint(); break;
                default: reader.Skip(wire); break;
            }
        }
        return (flags & NoRecordedValue) != 0
            ? null
            : new ReceivedMetricPoint(attributes, FromUnixNanoseconds(start), FromUnixNanoseconds(time), value);
    }

    private static ReceivedMetricPoint? ReadHistogramPoint(ReadOnlySpan<byte> message)
    {
        ulong start = 0, time = 0, count = 0, flags = 0;
        double sum = 0;
        double? min = null, max = null;
        var bucketCounts = new List<ulong>();
        var bounds = new List<double>();
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 2 when wire == WireType.Fixed64: start = reader.ReadFixed64(); break;
                case 3 when wire == WireType.Fixed64: time = reader.ReadFixed64(); break;
                case 4 when wire == WireType.Fixed64: count = reader.ReadFixed64(); break;
                case 5 when wire == WireType.Fixed64: sum = BitConverter.UInt64BitsToDouble(reader.ReadFixed64()); break;
                // Repeated scalars: proto3 encoders pack them, but a reader must accept either form.
                case 6 when wire == WireType.Fixed64: bucketCounts.Add(reader.ReadFixed64()); break;
                case 6 when wire == WireType.LengthDelimited: ReadPackedFixed64(reader.ReadBytes(), bits => bucketCounts.Add(bits)); break;
                case 7 when wire == WireType.Fixed64: bounds.Add(BitConverter.UInt64BitsToDouble(reader.ReadFixed64())); break;
                case 7 when wire == WireType.LengthDelimited:
                    ReadPackedFixed64(reader.ReadBytes(), bits => bounds.Add(BitConverter.UInt64BitsToDouble(bits)));
                    break;
                case 9 when wire == WireType.LengthDelimited: AddAttribute(attributes, reader.ReadBytes()); break;
                case 10 when wire == WireType.Varint: flags = reader.ReadVarint(); break;
                case 11 when wire == WireType.Fixed64: min = BitConverter.UInt64BitsToDouble(reader.ReadFixed64()); break;
                case 12 when wire == WireType.Fixed64: max = BitConverter.UInt64BitsToDouble(reader.ReadFixed64()); break;
                default: reader.Skip(wire); break;
            }
        }
        if (bucketCounts.Count != 0 && bucketCounts.Count != bounds.Count + 1)
        {
            throw new InvalidDataException($"A histogram with {bounds.Count} bounds but {bucketCounts.Count} buckets.");
        }
        for (var i = 0; i < bounds.Count; i++)
        {
            // The overflow bucket is implicit, so every bound is finite and each exceeds the one before.
            if (!double.IsFinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1])))
            {
                throw new InvalidDataException("Histogram bounds that are not finite and increasing.");
            }
        }
        if ((flags & NoRecordedValue) != 0)
        {
            return null;
        }
        var histogram = new HistogramValue(count, sum, bounds, bucketCounts) { Min = min, Max = max };
        return new ReceivedMetricPoint(attributes, FromUnixNanoseconds(start), FromUnixNanoseconds(time), count, histogram);
    }

    private static void ReadPackedFixed64(ReadOnlySpan<byte> packed, Action<ulong> add)
    {
        if (packed.Length % 8 != 0)
        {
            throw new InvalidDataException("A packed fixed64 field whose length is not a multiple of 8.");
        }
        var reader = new ProtobufReader(packed);
        for (var i = 0; i < packed.Length / 8; i++)
        {
            add(reader.ReadFixed64());
        }
    }

    /// <summary>Metric attributes are low-cardinality labels by design, so all scalar ones are kept.</summary>
    private static void AddAttribute(Dictionary<string, string> attributes, ReadOnlySpan<byte> keyValue)
    {
        var (key, value) = ReadKeyValue(keyValue);
        if (key.Length > 0 && value is not null)
        {
            attributes[key] = value;
        }
    }

    /// <summary>OTLP severity numbers in bands of four: 1–4 trace … 21–24 fatal.</summary>
    public static string LevelOf(int severityNumber) => severityNumber switch
    {
        >= 21 => "Critical",
        >= 17 => "Error",
        >= 13 => "Warning",
        >= 9 => "Information",
        >= 5 => "Debug",
        >= 1 => "Trace",
        _ => "Unspecified",
    };

    private static string ReadServiceName(ReadOnlySpan<byte> resource)
    {
        var reader = new ProtobufReader(resource);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == WireType.LengthDelimited)
            {
                var (key, value) = ReadKeyValue(reader.ReadBytes());
                if (key == "service.name" && !string.IsNullOrEmpty(value))
                {
                    return value;
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }
        return UnknownService;
    }

    private static string ReadScopeName(ReadOnlySpan<byte> scope)
    {
        var reader = new ProtobufReader(scope);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == WireType.LengthDelimited)
            {
                return reader.ReadString();
            }
            reader.Skip(wire);
        }
        return "";
    }

    private static SpanStatus ReadStatusCode(ReadOnlySpan<byte> status)
    {
        // The status message is dropped: it may quote an exception, which may quote data.
        var reader = new ProtobufReader(status);
        var code = SpanStatus.Unset;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 3 && wire == WireType.Varint)
            {
                code = (SpanStatus)(int)reader.ReadVarint();
            }
            else
            {
                reader.Skip(wire);
            }
        }
        return code;
    }

    private static (string Key, string? Value) ReadKeyValue(ReadOnlySpan<byte> keyValue)
    {
        string key = "";
        string? value = null;
        var reader = new ProtobufReader(keyValue);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == WireType.LengthDelimited: key = reader.ReadString(); break;
                case 2 when wire == WireType.LengthDelimited: value = ReadAnyValue(reader.ReadBytes()); break;
                default: reader.Skip(wire); break;
            }
        }
        return (key, value);
    }

    /// <summary>Scalars as text; arrays, maps and bytes are not shown (null).</summary>
    private static string? ReadAnyValue(ReadOnlySpan<byte> anyValue)
    {
        string? value = null;
        var reader = new ProtobufReader(anyValue);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == WireType.LengthDelimited: value = reader.ReadString(); break;
                case 2 when wire == WireType.Varint: value = reader.ReadVarint() != 0 ? "true" : "false"; break;
                case 3 when wire == WireType.Varint: value = ((long)reader.ReadVarint()).ToString(CultureInfo.InvariantCulture); break;
                case 4 when wire == WireType.Fixed64:
                    value = BitConverter.UInt64BitsToDouble(reader.ReadFixed64()).ToString(CultureInfo.InvariantCulture);
                    break;
                default: reader.Skip(wire); break;
            }
        }
        return value;
    }

    private static string? HexOrNull(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? null : Convert.ToHexStringLower(bytes);

    private static DateTimeOffset FromUnixNanoseconds(ulong nanoseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(nanoseconds / 100));
}
