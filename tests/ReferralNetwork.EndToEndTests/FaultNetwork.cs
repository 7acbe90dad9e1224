using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.EndToEndTests;

/// <summary>
/// A network of its own for tests that break things, started exactly as the README's command starts
/// it (no relaxation but higher rate limits), its telemetry exported to <see cref="Telemetry"/>, a
/// collector of the tests', instead of the dashboard.
/// </summary>
public sealed class FaultNetwork : AspireNetwork
{
    public TelemetryCollector Telemetry { get; } = new();

    protected override IEnumerable<string> Arguments => ["--otlp-endpoint", Telemetry.Url];

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        // The load and its retries come from one partner and one address.
        ["RateLimits__PerPartnerPerMinute"] = "60000",
        ["RateLimits__TokenPerMinute"] = "1000",
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Telemetry.Dispose();
    }
}

/// <summary>
/// Stands in for whatever OpenTelemetry collector an operator runs: takes OTLP/HTTP exports of traces,
/// metrics and logs, answers 200 and keeps every body exactly as it arrived, to be searched.
/// </summary>
public sealed class TelemetryCollector : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly ConcurrentQueue<(string Path, byte[] Body)> received = new();

    public TelemetryCollector()
    {
        Url = $"http://127.0.0.1:{LoopbackPorts.FindFree().ToString(CultureInfo.InvariantCulture)}/";
        listener.Prefixes.Add(Url);
        listener.Start();
        _ = Task.Run(ListenAsync);
    }

    public string Url { get; }

    public IReadOnlyList<(string Path, byte[] Body)> Received => [.. received];

    public void Dispose() => listener.Close();

    private async Task ListenAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            received.Enqueue((context.Request.Url?.AbsolutePath ?? "", body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FaultNetworkCollection : ICollectionFixture<FaultNetwork>
{
    public const string Name = "fault network";
}
