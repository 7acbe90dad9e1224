using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ReferralNetwork.Hosting.Telemetry;

namespace ReferralNetwork.Hosting.Dashboard;

/// <summary>
/// The operators' dashboard: one HTML page plus JSON under /api/ — resources with state and
/// health, console output, structured logs, traces as waterfalls, metrics, and start/stop/restart.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    /// <summary>
    /// Actions must carry this header. A page on another site can post a plain form to loopback,
    /// but cannot add a custom header without a CORS preflight, which we never grant.
    /// </summary>
    public const string ActionHeader = "X-Dashboard-Action";

    private static readonly HttpClient HealthClient = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly ReferralNetworkHost host;
    private readonly TelemetryStore store;
    private readonly Action<string> log;
    private readonly int requestedPort;
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, string> health = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();
    private Task? healthPolling;

    public DashboardServer(ReferralNetworkHost host, TelemetryStore store, int port, Action<string> log)
    {
        this.host = host;
        this.store = store;
        this.log = log;
        requestedPort = port;
        app = LoopbackWebServer.CreateBuilder("ReferralNetwork.Dashboard", port).Build();
        app.Use(OnlyLoopbackHostNames);
        MapEndpoints();
    }

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Port = await LoopbackWebServer.StartAsync(app, "dashboard", requestedPort, cancellationToken);
        healthPolling = PollHealthAsync(stopping.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        if (healthPolling is not null)
        {
            await healthPolling;
        }
        await app.StopAsync();
        await app.DisposeAsync();
        stopping.Dispose();
    }

    private void MapEndpoints()
    {
        app.MapGet("/", () => Results.Content(DashboardPage.Html, "text/html; charset=utf-8"));

        app.MapGet("/api/resources", () => Results.Json(Resources()));

        app.MapGet("/api/resources/{name}/console", (string name, string? search, int? limit) =>
        {
            var lines = host.ConsoleLines(name);
            if (lines is null)
            {
                return Results.NotFound();
            }
            var matching = string.IsNullOrEmpty(search) ? lines : [.. lines.Where(l => l.Contains(search, StringComparison.OrdinalIgnoreCase))];
            return Results.Json(new { name, lines = matching.TakeLast(Math.Clamp(limit ?? 500, 1, 500)) });
        });

        app.MapGet("/api/queues", async (CancellationToken ct) =>
        {
            var reading = await host.ReadBrokerQueuesAsync(ct);
            return Results.Json(new
            {
                status = reading.Status.ToString().ToLowerInvariant(),
                problem = reading.Problem,
                readAt = reading.ReadAt,
                managementUrl = host.RabbitMqManagementUrl,
                deadLetterMessages = reading.DeadLetterMessages,
                queues = reading.Queues.Select(q => new
                {
                    name = q.Name,
                    messages = q.Messages,
                    ready = q.Ready,
                    unacknowledged = q.Unacknowledged,
                    consumers = q.Consumers,
                    deadLetter = q.IsErrorQueue ? "error" : q.IsSkippedQueue ? "skipped" : null,
                }),
            });
        });

        app.MapGet("/api/logs", (string? service, int? minimumSeverity, string? search, int? limit) =>
            Results.Json(store.RecentLogs(Math.Clamp(limit ?? 200, 1, 2_000), Blank(service), minimumSeverity ?? 0, Blank(search))
                .Select(r => new
                {
                    timestamp = r.Timestamp,
                    service = r.ServiceName,
                    level = r.Level,
                    severity = r.SeverityNumber,
                    category = r.Category,
                    message = r.Message,
                    template = r.MessageTemplate,
                    traceId = r.TraceId,
                })));

        app.MapGet("/api/traces", (string? service, string? search, bool? errorsOnly, int? limit) =>
            Results.Json(store.RecentTraces(Math.Clamp(limit ?? 50, 1, 500), Blank(service), Blank(search)?.Trim(), errorsOnly ?? false).Select(t => new
            {
                traceId = t.TraceId,
                rootName = t.RootName,
                rootService = t.RootService,
                services = t.Services,
                spanCount = t.SpanCount,
                start = t.Start,
                durationMs = t.Duration.TotalMilliseconds,
                hasErrors = t.HasErrors,
            })));

        app.MapGet("/api/traces/{traceId}", (string traceId) =>
        {
            var spans = store.Trace(traceId.ToLowerInvariant());
            if (spans.Count == 0)
            {
                return Results.NotFound();
            }
            var start = spans.Min(s => s.Start);
            return Results.Json(new
            {
                traceId,
                start,
                durationMs = (spans.Max(s => s.End) - start).TotalMilliseconds,
                spans = SpanWaterfall.Layout(spans).Select(row => new
                {
                    spanId = row.Span.SpanId,
                    parentSpanId = row.Span.ParentSpanId,
                    name = row.Span.Name,
                    kind = row.Span.Kind.ToString().ToLowerInvariant(),
                    service = row.Span.ServiceName,
                    scope = row.Span.Scope,
                    status = row.Span.Status.ToString().ToLowerInvariant(),
                    start = row.Span.Start,
                    durationMs = row.Span.Duration.TotalMilliseconds,
                    attributes = row.Span.Attributes,
                    depth = row.Depth,
                    offsetPercent = row.OffsetPercent,
                    widthPercent = row.WidthPercent,
                }),
            });
        });

        app.MapGet("/api/metrics", () =>
            Results.Json(store.Metrics.Catalogue().Select(m => new
            {
                name = m.Metric.Name,
                description = m.Metric.Description,
                unit = m.Metric.Unit,
                kind = m.Metric.Kind.ToString().ToLowerInvariant(),
                monotonic = m.Metric.IsMonotonic,
                services = m.Services,
                series = m.SeriesCount,
                lastUpdated = m.LastUpdated.ToUnixTimeMilliseconds(),
            })));

        app.MapGet("/api/metrics/{name}", (string name, string? service, int? window, bool? points, HttpContext context) =>
        {
            if (store.Metrics.Describe(name) is not { } metric)
            {
                return Results.NotFound();
            }
            var series = store.Metrics.Series(name, Blank(service));
            // groupBy present (even empty) merges series per service and the listed attributes.
            if (context.Request.Query.TryGetValue("groupBy", out var groupBy))
            {
                string[] keys = [.. groupBy.SelectMany(g => (g ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))];
                series = SeriesMath.Group(series, keys);
            }
            var now = DateTimeOffset.UtcNow;
            var windowSeconds = Math.Clamp(window ?? 60, 5, 3_600);
            return Results.Json(new
            {
                name = metric.Name,
                description = metric.Description,
                unit = metric.Unit,
                kind = metric.Kind.ToString().ToLowerInvariant(),
                monotonic = metric.IsMonotonic,
                now = now.ToUnixTimeMilliseconds(),
                windowSeconds,
                series = series.Select(s => MetricSeriesJson(metric, s, now.AddSeconds(-windowSeconds), points ?? true)),
                histogram = metric.Kind == MetricKind.Histogram ? HistogramJson(MergedLatest(series)) : null,
            });
        });

        app.MapPost("/api/resources/{name}/{action}", (string name, string action, HttpContext context) =>
        {
            if (!context.Request.Headers.ContainsKey(ActionHeader))
            {
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }
            if (!host.Services.ContainsKey(name))
            {
                return Results.NotFound();
            }
            Func<Task>? work = action switch
            {
                "start" => () => host.StartServiceAsync(name),
                "stop" => () => host.StopServiceAsync(name),
                "restart" => () => host.RestartServiceAsync(name),
                _ => null,
            };
            if (work is null)
            {
                return Results.NotFound();
            }
            log($"[apphost] dashboard: {action} {name}");
            // A restart waits for /health (up to the health timeout); the page follows progress by polling.
            _ = Task.Run(async () =>
            {
                try
                {
                    await work();
                }
                catch (Exception e)
                {
                    log($"[apphost] dashboard: {action} {name} failed: {e.Message}");
                }
            });
            return Results.Accepted();
        });
    }

    private IEnumerable<object> Resources()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var infrastructure in host.Infrastructure())
        {
            yield return new
            {
                name = infrastructure.Name,
                kind = infrastructure.Kind,
                state = infrastructure.State,
                health = health.GetValueOrDefault(infrastructure.Name, "unknown"),
                restarts = 0,
                uptimeSeconds = infrastructure.StartedAt is { } startedAt ? (now - startedAt).TotalSeconds : (double?)null,
                url = infrastructure.Url,
                processId = infrastructure.ProcessId,
            };
        }
        foreach (var name in ReferralNetworkHost.ServiceNames)
        {
            if (!host.Services.TryGetValue(name, out var service))
            {
                continue;
            }
            yield return new
            {
                name,
                kind = name == "gateway" ? "gateway" : "service",
                state = service.State.ToString().ToLowerInvariant(),
                health = service.State is ResourceState.Starting or ResourceState.Running
                    ? health.GetValueOrDefault(name, "unknown")
                    : "unhealthy",
                restarts = service.RestartCount,
                uptimeSeconds = service.StartedAt is { } startedAt ? (now - startedAt).TotalSeconds : (double?)null,
                url = service.Url,
                processId = service.ProcessId,
            };
        }
    }

    /// <summary>
    /// One series for the page: its latest reading, what happened in the recent window (growth of a
    /// total; count, sum and percentiles of a histogram) and, unless left out, its readings over time.
    /// Times are Unix milliseconds, which the page's charts use directly.
    /// </summary>
    private static object MetricSeriesJson(MetricDescriptor metric, MetricSeries series, DateTimeOffset since, bool withPoints)
    {
        var latest = series.Samples[^1];
        object? window = metric.Kind switch
        {
            MetricKind.Sum => new { increase = SeriesMath.Increase(series.Samples, since) },
            MetricKind.Histogram => HistogramJson(SeriesMath.HistogramIncrease(series.Samples, since), withBuckets: false),
            _ => null,
        };
        return new
        {
            service = series.Service,
            attributes = series.Attributes,
            latest = new { t = latest.Time.ToUnixTimeMilliseconds(), v = latest.Value, sum = latest.Histogram?.Sum },
            window,
            histogram = latest.Histogram is { } histogram ? HistogramJson(histogram) : null,
            points = withPoints ? series.Samples.Select(p => new { t = p.Time.ToUnixTimeMilliseconds(), v = p.Value }) : null,
        };
    }

    private static object HistogramJson(HistogramValue histogram, bool withBuckets = true) => new
    {
        count = histogram.Count,
        sum = histogram.Sum,
        bounds = withBuckets ? histogram.Bounds : null,
        counts = withBuckets ? histogram.BucketCounts : null,
        p50 = QuantileJson(HistogramMath.Quantile(histogram, 0.5)),
        p90 = QuantileJson(HistogramMath.Quantile(histogram, 0.9)),
    };

    private static object? QuantileJson(QuantileEstimate? estimate) =>
        estimate is { } e ? new { value = e.Value, aboveLastBound = e.AboveLastBound } : null;

    /// <summary>The latest histograms of all the series added together (those with other buckets left out).</summary>
    private static HistogramValue MergedLatest(IEnumerable<MetricSeries> series)
    {
        var merged = HistogramValue.Empty;
        foreach (var latest in series.Select(s => s.Samples[^1].Histogram).OfType<HistogramValue>())
        {
            merged = HistogramMath.Add(merged, latest) ?? merged;
        }
        return merged;
    }

    /// <summary>Asks every resource how it is, every two seconds, so the page never waits on a probe.</summary>
    private async Task PollHealthAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var probes = host.Infrastructure()
                .Select(async r => health[r.Name] = r.Port is { } port && r.State == "running" && await AcceptsConnectionsAsync(port, cancellationToken) ? "healthy" : "unhealthy")
                .Concat(host.Services.Values.Select(async s => health[s.Name] = await ServiceHealthAsync(s, cancellationToken)));
            try
            {
                await Task.WhenAll(probes);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<string> ServiceHealthAsync(ServiceProcess service, CancellationToken cancellationToken)
    {
        if (service.State is not (ResourceState.Starting or ResourceState.Running))
        {
            return "unhealthy";
        }
        try
        {
            using var response = await HealthClient.GetAsync(service.Url + "/health", cancellationToken);
            return response.StatusCode == HttpStatusCode.OK ? "healthy" : "unhealthy";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return "unhealthy";
        }
    }

    private static async Task<bool> AcceptsConnectionsAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Refuses requests addressed to any other host name (a DNS-rebinding page cannot reach the actions).</summary>
    private static async Task OnlyLoopbackHostNames(HttpContext context, Func<Task> next)
    {
        if (context.Request.Host.Host is not ("127.0.0.1" or "localhost" or "[::1]"))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        await next();
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
