using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ReferralNetwork.Hosting.Telemetry;

namespace ReferralNetwork.Hosting.Dashboard;

/// <summary>
/// The OTLP/HTTP (protobuf) endpoint every service exports to: traces, logs and metrics go to the
/// <see cref="TelemetryStore"/>.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private const string Protobuf = "application/x-protobuf";
    private readonly WebApplication app;
    private readonly int requestedPort;
    private readonly Action<string> log;

    public OtlpReceiver(TelemetryStore store, int port, Action<string> log)
    {
        requestedPort = port;
        this.log = log;
        app = LoopbackWebServer.CreateBuilder("ReferralNetwork.OtlpReceiver", port).Build();
        app.MapPost("/v1/traces", (HttpContext context) => ReceiveAsync(context, body => store.Add(OtlpDecoder.DecodeTraces(body))));
        app.MapPost("/v1/logs", (HttpContext context) => ReceiveAsync(context, body => store.Add(OtlpDecoder.DecodeLogs(body))));
        app.MapPost("/v1/metrics", (HttpContext context) => ReceiveAsync(context, body => store.Metrics.Add(OtlpDecoder.DecodeMetrics(body))));
    }

    public int Port { get; private set; }

    /// <summary>The base URL services are given as OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    public async Task StartAsync(CancellationToken cancellationToken) =>
        Port = await LoopbackWebServer.StartAsync(app, "OTLP receiver", requestedPort, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task ReceiveAsync(HttpContext context, Action<byte[]> keep)
    {
        if (context.Request.ContentType?.StartsWith(Protobuf, StringComparison.OrdinalIgnoreCase) != true)
        {
            // OTLP/JSON is valid OTLP but not something we read; the exporter is told to use protobuf.
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        var body = await ReadBodyAsync(context.Request);
        try
        {
            keep(body);
        }
        catch (InvalidDataException e)
        {
            log($"[apphost] OTLP {context.Request.Path}: unreadable export request ({e.Message})");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        // An empty Export*ServiceResponse: zero bytes of protobuf, meaning full success.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = Protobuf;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        if (string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            // leaveOpen: the request body belongs to Kestrel.
            await using var unzipped = new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
            await unzipped.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        }
        else
        {
            await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        }
        return buffer.ToArray();
    }
}
