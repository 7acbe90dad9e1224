using ReferralNetwork.Hosting.Telemetry;
using static ReferralNetwork.UnitTests.AppHost.ProtobufMessages;

namespace ReferralNetwork.UnitTests.AppHost;

/// <summary>
/// Export requests written field by field with Google's own protobuf encoder (see
/// <see cref="ProtobufMessages"/>), following the OTLP 1.x .proto files, and read back by the
/// AppHost's hand-written decoder.
/// </summary>
public class OtlpDecoderTests
{
    private static readonly byte[] TraceId = Convert.FromHexString("5b8efff798038103d269b633813fc60c");
    private static readonly byte[] RootSpanId = Convert.FromHexString("eee19b7ec3c1b174");
    private static readonly byte[] ChildSpanId = Convert.FromHexString("eee19b7ec3c1b173");
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Spans_keep_their_ids_timing_kind_status_service_and_only_the_non_personal_attributes()
    {
        var request = Message(w =>
        {
            w.Field(1, Message(resourceSpans =>
            {
                resourceSpans.Field(1, Message(resource => resource.Field(1, KeyValue("service.name", "referrals"))));
                resourceSpans.Field(2, Message(scopeSpans =>
                {
                    scopeSpans.Field(1, Message(scope => scope.String(1, "Microsoft.AspNetCore")));
                    scopeSpans.Field(2, Span(RootSpanId, parent: null, "POST /api/referrals/", kind: 2, Start, Start.AddMilliseconds(40), statusCode: 2,
                        KeyValue("http.route", "/api/referrals/"), KeyValue("http.response.status_code", 201L),
                        KeyValue("url.query", "nhsNumber=9434765919"), KeyValue("enduser.id", "gp-123")));
                    scopeSpans.Field(2, Span(ChildSpanId, RootSpanId, "relay ReferralRequested", kind: 4, Start.AddMilliseconds(5), Start.AddMilliseconds(12), statusCode: 0));
                }));
            }));
        });

        var spans = OtlpDecoder.DecodeTraces(request);

        Assert.Equal(2, spans.Count);
        var root = spans[0];
        Assert.Equal("5b8efff798038103d269b633813fc60c", root.TraceId);
        Assert.Equal("eee19b7ec3c1b174", root.SpanId);
        Assert.Null(root.ParentSpanId);
        Assert.Equal("POST /api/referrals/", root.Name);
        Assert.Equal(SpanKind.Server, root.Kind);
        Assert.Equal(SpanStatus.Error, root.Status);
        Assert.Equal(Start, root.Start);
        Assert.Equal(TimeSpan.FromMilliseconds(40), root.Duration);
        Assert.Equal("referrals", root.ServiceName);
        Assert.Equal("Microsoft.AspNetCore", root.Scope);
        Assert.Equal(new Dictionary<string, string> { ["http.route"] = "/api/referrals/", ["http.response.status_code"] = "201" }, root.Attributes);

        var child = spans[1];
        Assert.Equal("eee19b7ec3c1b174", child.ParentSpanId);
        Assert.Equal(SpanKind.Producer, child.Kind);
        Assert.Equal(SpanStatus.Unset, child.Status);
        Assert.Empty(child.Attributes);
    }

    [Fact]
    public void The_service_name_applies_to_scopes_encoded_before_the_resource_and_unknown_fields_are_skipped()
    {
        var request = Message(w => w.Field(1, Message(resourceSpans =>
        {
            resourceSpans.Field(2, Message(scopeSpans => scopeSpans.Field(2, Span(RootSpanId, null, "linkworkers-routing receive", 5, Start, Start))));
            resourceSpans.Field(1, Message(resource => resource.Field(1, KeyValue("service.name", "linkworkers"))));
            resourceSpans.String(3, "https://opentelemetry.io/schemas/1.27.0");
            resourceSpans.Varint(99, 7);
        })));

        var span = Assert.Single(OtlpDecoder.DecodeTraces(request));

        Assert.Equal("linkworkers", span.ServiceName);
        Assert.Equal(SpanKind.Consumer, span.Kind);
    }

    [Fact]
    public void Log_records_keep_level_category_message_template_and_trace()
    {
        var request = Message(w => w.Field(1, Message(resourceLogs =>
        {
            resourceLogs.Field(1, Message(resource => resource.Field(1, KeyValue("service.name", "referrals"))));
            resourceLogs.Field(2, Message(scopeLogs =>
            {
                scopeLogs.Field(1, Message(scope => scope.String(1, "ReferralNetwork.ServiceDefaults.EventStore.IntegrationEventRelay")));
                scopeLogs.Field(2, Message(record =>
                {
                    record.Fixed64(1, UnixNanoseconds(Start));
                    record.Varint(2, 13);
                    record.String(3, "Warning");
                    record.Field(5, Message(body => body.String(1, "Publishing ReferralRequested failed")));
                    record.Field(6, KeyValue("{OriginalFormat}", "Publishing {MessageType} failed"));
                    record.Bytes(9, TraceId);
                    record.Bytes(10, ChildSpanId);
                }));
            }));
        })));

        var log = Assert.Single(OtlpDecoder.DecodeLogs(request));

        Assert.Equal(Start, log.Timestamp);
        Assert.Equal("referrals", log.ServiceName);
        Assert.Equal("Warning", log.Level);
        Assert.Equal(13, log.SeverityNumber);
        Assert.Equal("ReferralNetwork.ServiceDefaults.EventStore.IntegrationEventRelay", log.Category);
        Assert.Equal("Publishing ReferralRequested failed", log.Message);
        Assert.Equal("Publishing {MessageType} failed", log.MessageTemplate);
        Assert.Equal("5b8efff798038103d269b633813fc60c", log.TraceId);
        Assert.Equal("eee19b7ec3c1b173", log.SpanId);
    }

    [Fact]
    public void An_empty_request_has_nothing_and_a_truncated_one_is_refused()
    {
        Assert.Empty(OtlpDecoder.DecodeTraces([]));
        var request = Message(w => w.Field(1, Message(r => r.Field(2, Message(s => s.Field(2, Span(RootSpanId, null, "x", 1, Start, Start)))))));

        Assert.Throws<InvalidDataException>(() => OtlpDecoder.DecodeTraces(request.AsSpan(0, request.Length - 3)));
    }

    [Theory]
    [InlineData(0, "Unspecified")]
    [InlineData(1, "Trace")]
    [InlineData(9, "Information")]
    [InlineData(12, "Information")]
    [InlineData(17, "Error")]
    [InlineData(21, "Critical")]
    public void Severity_numbers_map_to_levels_in_bands_of_four(int severity, string level) =>
        Assert.Equal(level, OtlpDecoder.LevelOf(severity));

    private static byte[] Span(byte[] spanId, byte[]? parent, string name, int kind, DateTimeOffset start, DateTimeOffset end, int statusCode = 0, params byte[][] attributes) =>
        Message(w =>
        {
            w.Bytes(1, TraceId);
            w.Bytes(2, spanId);
            if (parent is not null)
            {
                w.Bytes(4, parent);
            }
            w.String(5, name);
            w.Varint(6, (ulong)kind);
            w.Fixed64(7, UnixNanoseconds(start));
            w.Fixed64(8, UnixNanoseconds(end));
            foreach (var attribute in attributes)
            {
                w.Field(9, attribute);
            }
            if (statusCode != 0)
            {
                w.Field(15, Message(status =>
                {
                    status.String(2, "the exception's message, which must not be kept");
                    status.Varint(3, (ulong)statusCode);
                }));
            }
        });
}
