using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;
using ReferralNetwork.ServiceDefaults;

namespace ReferralNetwork.UnitTests.Defaults;

public sealed class SpanAttributeAllowListTests : IDisposable
{
    private const string NhsNumber = "9434765919";
    private const string Name = "Amelia Hartley";
    private const string Postcode = "LS1 4AP";
    private static readonly string[] PersonalData = [NhsNumber, Name, Postcode];

    private readonly ActivitySource source = new("ReferralNetwork.UnitTests.SpanAttributeAllowList");
    private readonly ActivitySource npgsql = new("Npgsql");
    private readonly List<Activity> exported = [];
    private readonly TracerProvider tracing;

    public SpanAttributeAllowListTests()
    {
        tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name, npgsql.Name)
            .AddProcessor(new SpanAttributeAllowList())
            .AddInMemoryExporter(exported)
            .Build()!;
        Activity.Current = null;
    }

    public void Dispose()
    {
        tracing.Dispose();
        source.Dispose();
        npgsql.Dispose();
    }

    [Fact]
    public void A_span_carrying_personal_data_is_exported_without_any_of_it()
    {
        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        Activity span;
        DateTimeOffset failedAt;
        using (span = source.StartActivity("GET /api/referrals/{id}", ActivityKind.Server)!)
        {
            span.SetTag("http.route", "/api/referrals/{id}");
            span.SetTag("http.response.status_code", 500);
            span.SetTag("messaging.destination.name", "referral-submitted");
            span.SetTag("url.full", $"https://partner.example/referrals?nhsNumber={NhsNumber}&postcode={Uri.EscapeDataString(Postcode)}");
            span.SetTag("url.query", $"q={Name}");
            span.SetTag("db.statement", $"select data from mt_doc_referral where data ->> 'NhsNumber' = '{NhsNumber}'");
            span.SetTag("person.name", Name);
            // AddTag allows a key twice; both go.
            span.AddTag("person.postcode", Postcode);
            span.AddTag("person.postcode", Postcode);
            span.AddBaggage("person.nhs_number", NhsNumber);
            failedAt = DateTimeOffset.UtcNow;
            span.AddException(Thrown(new InvalidOperationException($"duplicate key value violates unique constraint: (nhs_number)=({NhsNumber}), name {Name}")), timestamp: failedAt);
            span.AddLink(new ActivityLink(linked, new ActivityTagsCollection { ["person.postcode"] = Postcode }));
            span.SetStatus(ActivityStatusCode.Error, $"Referral for {Name} ({NhsNumber}) failed");
        }

        var sent = Assert.Single(exported, a => a.SpanId == span.SpanId);
        var text = ExportedText(sent);
        foreach (var value in PersonalData)
        {
            Assert.DoesNotContain(text, s => s.Contains(value, StringComparison.OrdinalIgnoreCase));
        }

        Assert.Equal(
            ["http.response.status_code", "http.route", "messaging.destination.name"],
            sent.TagObjects.Select(t => t.Key).Order(StringComparer.Ordinal));
        Assert.Equal("/api/referrals/{id}", sent.GetTagItem("http.route"));
        Assert.Equal(500, sent.GetTagItem("http.response.status_code"));
        Assert.Equal("referral-submitted", sent.GetTagItem("messaging.destination.name"));

        // What went wrong, and when, stays: the exception's type, not its message or stack trace.
        var failure = Assert.Single(sent.Events);
        Assert.Equal("exception", failure.Name);
        Assert.Equal(failedAt, failure.Timestamp);
        var kept = Assert.Single(failure.Tags);
        Assert.Equal(new KeyValuePair<string, object?>("exception.type", typeof(InvalidOperationException).FullName), kept);

        Assert.Equal(linked, Assert.Single(sent.Links).Context);
        Assert.Empty(Assert.Single(sent.Links).Tags ?? []);

        Assert.Equal(ActivityStatusCode.Error, sent.Status);
        Assert.Null(sent.StatusDescription);
    }

    [Fact]
    public void A_database_span_named_after_its_sql_is_renamed()
    {
        Activity span;
        using (span = npgsql.StartActivity($"SELECT data FROM mt_doc_referral WHERE nhs_number = '{NhsNumber}'", ActivityKind.Client)!)
        {
            span.SetTag("db.system.name", "postgresql");
            span.SetTag("db.query.text", $"SELECT data FROM mt_doc_referral WHERE nhs_number = '{NhsNumber}'");
        }

        var sent = Assert.Single(exported, a => a.SpanId == span.SpanId);
        Assert.Equal(SpanAttributeAllowList.DatabaseSpanName, sent.DisplayName);
        Assert.DoesNotContain(ExportedText(sent), s => s.Contains(NhsNumber, StringComparison.Ordinal));
        Assert.Equal("postgresql", sent.GetTagItem("db.system.name"));
    }

    [Fact]
    public void The_tracing_pipeline_every_service_builds_applies_it()
    {
        // No defaults: an OTLP endpoint in this process's environment must not send test spans anywhere.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddTelemetry();
        var fromHost = new List<Activity>();
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(fromHost));
        using var host = builder.Build();
        _ = host.Services.GetRequiredService<TracerProvider>();

        using var ours = new ActivitySource(Telemetry.SourceName);
        Activity span;
        using (span = ours.StartActivity("relay ReferralSubmitted", ActivityKind.Producer)!)
        {
            span.SetTag("event.type", "referral_submitted");
            span.SetTag("person.nhs_number", NhsNumber);
            span.SetStatus(ActivityStatusCode.Error, $"Could not publish the referral for {NhsNumber}");
        }

        var sent = Assert.Single(fromHost, a => a.SpanId == span.SpanId);
        Assert.Equal("referral_submitted", sent.GetTagItem("event.type"));
        Assert.Null(sent.GetTagItem("person.nhs_number"));
        Assert.Null(sent.StatusDescription);
    }

    /// <summary>Every string an exporter could read from the span: its name, attributes, events, links and status.</summary>
    private static List<string> ExportedText(Activity span)
    {
        var text = new List<string> { span.DisplayName, span.StatusDescription ?? "", span.TraceStateString ?? "" };
        text.AddRange(span.TagObjects.SelectMany(t => new[] { t.Key, t.Value?.ToString() ?? "" }));
        foreach (var e in span.Events)
        {
            text.Add(e.Name);
            text.AddRange(e.Tags.SelectMany(t => new[] { t.Key, t.Value?.ToString() ?? "" }));
        }
        foreach (var link in span.Links)
        {
            text.AddRange((link.Tags ?? []).SelectMany(t => new[] { t.Key, t.Value?.ToString() ?? "" }));
        }
        return text;
    }

    // Thrown, so it has a stack trace as a real one would.
    private static Exception Thrown(Exception exception)
    {
        try
        {
            throw exception;
        }
        catch (Exception caught)
        {
            return caught;
        }
    }
}
