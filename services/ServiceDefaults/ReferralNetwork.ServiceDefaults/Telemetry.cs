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

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        // Request-by-request framework logs (every health probe among them) drown what matters;
        // traces carry that detail. Configuration (Logging:LogLevel) can still turn them back on.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing.EndpointMiddleware", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
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
                .AddMeter(SourceName))
            .WithTracing(t => t
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(SourceName)
                .AddSource(DiagnosticHeaders.DefaultListenerName)
                .AddSource("Marten")
                .AddSource("Yarp.ReverseProxy")
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx =>
                    !ctx.Request.Path.StartsWithSegments("/health") && !ctx.Request.Path.StartsWithSegments("/alive"))
                .AddHttpClientInstrumentation()
                .AddNpgsql());

        // Export only where an operator pointed us: locally the AppHost, in production a collector.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }
}
