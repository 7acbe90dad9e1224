using System.Diagnostics.Metrics;
using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ReferralNetwork.ServiceDefaults;

public static class Telemetry
{
    /// <summary>Our own spans (the relay from event log to broker) and meters.</summary>
    public const string SourceName = "ReferralNetwork";

    /// <summary>
    /// Bucket bounds (seconds) for the journey's durations, the time_to_* histograms: a referral waits
    /// hours to weeks for acceptance and a provider days to acknowledge, while tests take seconds. The
    /// default bounds (up to 10 s) would put every real value in the overflow bucket.
    /// </summary>
    public static readonly double[] JourneyDurationBounds =
        [1, 5, 15, 30, 60, 300, 900, 3600, 14400, 86400, 259200, 604800, 1209600, 2419200];

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        // Request-by-request framework logs (every health probe among them) drown what matters;
        // traces carry that detail. Configuration (Logging:LogLevel) can still turn them back on.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing.EndpointMiddleware", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Result", LogLevel.Warning);
        // The async daemon reports every range of events it processed; its failures stay visible.
        builder.Logging.AddFilter("Marten.Events.Daemon.Coordination", LogLevel.Warning);
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(InstrumentationOptions.MeterName)
                .AddMeter("Marten")
                .AddMeter(SourceName)
                .AddView(instrument => IsJourneyDuration(instrument)
                    ? new ExplicitBucketHistogramConfiguration { Boundaries = JourneyDurationBounds }
                    : null))
            .WithTracing(t => t
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(SourceName)
                .AddSource(DiagnosticHeaders.DefaultListenerName)
                .AddSource("Marten")
                .AddSource("Yarp.ReverseProxy")
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx =>
                    !ctx.Request.Path.StartsWithSegments("/health") && !ctx.Request.Path.StartsWithSegments("/alive"))
                // The gateway's health check asks each service's /health: probes, like the ones above.
                .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = request =>
                    request.RequestUri?.AbsolutePath.StartsWith("/health", StringComparison.Ordinal) != true)
                .AddNpgsql()
                .AddProcessor(new BackgroundPollingTraces())
                // Nothing personal leaves the service. Exporters added later run after it, and the OTLP
                // exporter's processor is weighted to run last wherever it is added.
                .AddProcessor(new SpanAttributeAllowList()));

        // Export only where an operator pointed us: locally the AppHost, in production a collector.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    // By naming convention rather than a list, so the next journey duration gets the same buckets.
    private static bool IsJourneyDuration(Instrument instrument) =>
        instrument.Meter.Name == SourceName && instrument is Histogram<double> && instrument.Name.Contains(".time_to_", StringComparison.Ordinal);
}
