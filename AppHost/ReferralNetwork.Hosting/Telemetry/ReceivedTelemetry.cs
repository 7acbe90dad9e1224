namespace ReferralNetwork.Hosting.Telemetry;

/// <summary>OTLP's span kinds (the numbers are the wire values).</summary>
public enum SpanKind
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

/// <summary>OTLP's span status codes (the numbers are the wire values).</summary>
public enum SpanStatus
{
    Unset = 0,
    Ok = 1,
    Error = 2,
}

/// <summary>
/// One span as the dashboard keeps it. Only a few attributes survive (see
/// <see cref="OtlpDecoder.KeptSpanAttributes"/>): routes, methods, status codes, queue names and
/// database systems, never anything that could carry a person's details.
/// </summary>
public sealed record ReceivedSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    SpanKind Kind,
    DateTimeOffset Start,
    DateTimeOffset End,
    SpanStatus Status,
    string ServiceName,
    string Scope,
    IReadOnlyDictionary<string, string> Attributes)
{
    public TimeSpan Duration => End > Start ? End - Start : TimeSpan.Zero;
}

/// <summary>One structured log record: who wrote it, how severe, and the message.</summary>
public sealed record ReceivedLogRecord(
    DateTimeOffset Timestamp,
    string ServiceName,
    string Level,
    int SeverityNumber,
    string Category,
    string Message,
    string? MessageTemplate,
    string? TraceId,
    string? SpanId);
