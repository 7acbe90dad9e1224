using System.Collections.Concurrent;
using System.Net;

// One network at a time: two on two cores would make the fault test's timings about CPU, not recovery.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

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
public sealed class TelemetryCollector() : LoopbackReceiver("/")
{
    private readonly ConcurrentQueue<(string Path, byte[] Body)> received = new();

    public IReadOnlyList<(string Path, byte[] Body)> Received => [.. received];

    protected override async Task AnswerAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        received.Enqueue((context.Request.Url?.AbsolutePath ?? "", body.ToArray()));
        context.Response.StatusCode = 200;
    }
}

[CollectionDefinition(Name)]
public sealed class FaultNetworkCollection : ICollectionFixture<FaultNetwork>
{
    public const string Name = "fault network";
}
