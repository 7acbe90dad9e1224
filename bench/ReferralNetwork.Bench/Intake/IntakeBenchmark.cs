using System.Globalization;
using System.Net;
using ReferralNetwork.Bench.Network;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.Bench.Intake;

/// <summary>
/// Referral intake at a fixed offered rate, first straight at the referral service, then through the
/// gateway, with the same partner and load: latency of the answer, refusals, how soon each referral is a
/// case a link worker can see, how deep the queues behind intake got, and the services' memory.
/// </summary>
public static class IntakeBenchmark
{
    private static readonly TimeSpan CasePatience = TimeSpan.FromMinutes(5);

    private sealed record Phase(string Name, IReadOnlyList<Submission> Submissions, IReadOnlyList<double> VisibleAfterMs, int NeverCases,
        (string Queue, long Messages) DeepestQueue, long MessagesAtEnd, long MostServiceMemoryBytes, IReadOnlyDictionary<string, double> Cores, TimeSpan Ran,
        WorkCounters.Reading Work);

    public static async Task<IReadOnlyList<BenchRow>> RunAsync(BenchNetwork network, BenchOptions options, CancellationToken ct)
    {
        var area = "bench-" + Guid.NewGuid().ToString("N")[..6];
        await network.RegisterAsync("Bench Link Workers", "link-worker-service", area, ct);
        var (_, gpToken) = await network.RegisterAsync("Bench Surgery", "gp-practice", area, ct);
        var linkWorkersDatabase = await network.ConnectionStringAsync("linkworkersdb");
        using var queues = await network.QueuesReaderAsync();
        using var counters = await network.WorkCountersAsync();

        // Warm-up on both paths: connections, the link-worker service learning the area, and the JIT, which recompiles
        // hot code with what it profiled for a minute or so after start (a tenth of a core in the first runs' first
        // phase, on a warm-up of 10 s). Measured only to be sure it routes.
        var half = options.WarmUp / 2;
        Console.WriteLine($"[bench] warming up: {options.Rate}/s for {half.TotalSeconds} s straight at the referral service, then as long through the gateway");
        var warmUp = (await OfferedLoad.RunAsync(network.ReferralServiceUrl, gpToken, options.Rate, half, options.Connections, ct))
            .Concat(await OfferedLoad.RunAsync(network.GatewayUrl, gpToken, options.Rate, half, options.Connections, ct));
        await CaseVisibility.WaitForCasesAsync(linkWorkersDatabase, Created(warmUp), CasePatience, ct);
        await DrainedAsync(queues, ct);

        var direct = await RunPhaseAsync("straight at the referral service", network.ReferralServiceUrl);
        var gateway = await RunPhaseAsync("through the gateway", network.GatewayUrl);

        return Rows(options, direct, gateway);

        async Task<Phase> RunPhaseAsync(string name, Uri target)
        {
            Console.WriteLine($"[bench] intake {name}: {options.Rate}/s for {options.Duration.TotalSeconds} s over {options.Connections} connections");
            IReadOnlyList<Submission> submissions;
            var started = DateTimeOffset.UtcNow;
            var workBefore = await counters.ReadAsync(ct);
            PhaseWatch watch;
            await using (watch = PhaseWatch.Start(queues, network.ProcessMarks))
            {
                submissions = await OfferedLoad.RunAsync(target, gpToken, options.Rate, options.Duration, options.Connections, ct);
            }

            var ran = DateTimeOffset.UtcNow - started;
            var created = submissions.Where(s => s.ReferralId is not null).ToDictionary(s => s.ReferralId!.Value);
            var cases = await CaseVisibility.WaitForCasesAsync(linkWorkersDatabase, created.Keys, CasePatience, ct);
            var visible = cases.Select(c => (c.Value - created[c.Key].DueAt).TotalMilliseconds).Order().ToList();
            // Counted once what the phase caused has settled, so work still queued at its end is included.
            await DrainedAsync(queues, ct);
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            var workAfter = await counters.ReadAsync(ct);
            var work = new WorkCounters.Reading(workAfter.Commits - workBefore.Commits, workAfter.Published - workBefore.Published, workAfter.Delivered - workBefore.Delivered);
            return new Phase(name, submissions, visible, created.Count - cases.Count, watch.DeepestQueue, watch.MessagesAtEnd, watch.MostServiceMemoryBytes, watch.CoresByPart, ran, work);
        }
    }

    private static Guid[] Created(IEnumerable<Submission> submissions) => submissions.Where(s => s.ReferralId is not null).Select(s => s.ReferralId!.Value).ToArray();

    /// <summary>Waits (up to 5 minutes) until no queue holds a message, so one phase's backlog is not charged to the next.</summary>
    private static async Task DrainedAsync(BrokerQueues queues, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + CasePatience;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var reading = await queues.ReadAsync(ct);
            if (reading.Succeeded && reading.Queues.Sum(q => q.Messages) == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    private static List<BenchRow> Rows(BenchOptions options, Phase direct, Phase gateway)
    {
        var rows = new List<BenchRow>();
        foreach (var phase in (Phase[])[direct, gateway])
        {
            var latencies = phase.Submissions.Select(s => s.LatencyMs).Order().ToList();
            var refused = phase.Submissions.Count(s => s.Status != HttpStatusCode.Created);
            var answered = phase.Submissions.Count / phase.Ran.TotalSeconds;
            rows.Add(new BenchRow($"intake {phase.Name}: offered, answered a second",
                $"{options.Rate:0} offered, {answered:0} answered", "", null));
            rows.Add(new BenchRow($"intake {phase.Name}: p50 / p99 / max ms",
                $"{Ms(latencies, 50)} / {Ms(latencies, 99)} / {Ms(latencies, 100)}", "p99 < 100", Percentiles.Of(latencies, 99) < 100));
            rows.Add(new BenchRow($"intake {phase.Name}: not created (status: count)",
                refused == 0 ? "0" : $"{refused}: " + string.Join(", ", phase.Submissions.Where(s => s.Status != HttpStatusCode.Created)
                    .GroupBy(s => s.Status?.ToString("D") ?? "no answer").Select(g => $"{g.Key}×{g.Count()}")),
                "0", refused == 0));
            rows.Add(new BenchRow($"case visible at the link-worker service after submission ({phase.Name}): p50 / p99 / max ms",
                $"{Ms(phase.VisibleAfterMs, 50)} / {Ms(phase.VisibleAfterMs, 99)} / {Ms(phase.VisibleAfterMs, 100)}"
                    + (phase.NeverCases > 0 ? $"; {phase.NeverCases} not a case after {CasePatience.TotalMinutes:0} min" : ""),
                "p99 < 1000", phase.NeverCases == 0 && Percentiles.Of(phase.VisibleAfterMs, 99) < 1000));
            rows.Add(new BenchRow($"queues during intake {phase.Name}: deepest (messages), left at the end",
                $"{phase.DeepestQueue.Queue} ({phase.DeepestQueue.Messages}), {phase.MessagesAtEnd}", "none grows", null));
            rows.Add(new BenchRow($"services' memory (PSS, gateway included) during intake {phase.Name}: most",
                $"{phase.MostServiceMemoryBytes / (1024.0 * 1024):0} MiB", "< 1536 MiB", phase.MostServiceMemoryBytes < 1536L * 1024 * 1024));
            rows.Add(new BenchRow($"CPU during intake {phase.Name}, cores (of {Environment.ProcessorCount})",
                $"{phase.Cores.Values.Sum():0.00} in all: " + string.Join(", ", phase.Cores.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value:0.00}")),
                "", null));
        }

        foreach (var phase in (Phase[])[direct, gateway])
        {
            var created = Math.Max(1, phase.Submissions.Count(s => s.Status == HttpStatusCode.Created));
            rows.Add(new BenchRow($"work a referral caused ({phase.Name}): PostgreSQL commits, messages published, delivered",
                $"{phase.Work.Commits / (double)created:0.0}, {phase.Work.Published / (double)created:0.0}, {phase.Work.Delivered / (double)created:0.0}", "", null));
        }

        var directLatencies = direct.Submissions.Select(s => s.LatencyMs).Order().ToList();
        var gatewayLatencies = gateway.Submissions.Select(s => s.LatencyMs).Order().ToList();
        var p50Ratio = Percentiles.Of(gatewayLatencies, 50) / Percentiles.Of(directLatencies, 50);
        var p99Ratio = Percentiles.Of(gatewayLatencies, 99) / Percentiles.Of(directLatencies, 99);
        rows.Add(new BenchRow("gateway ÷ direct latency at the same load: p50, p99",
            $"{p50Ratio:0.00}×, {p99Ratio:0.00}×", "≤ 1.3×", p50Ratio <= 1.3 && p99Ratio <= 1.3));
        return rows;
    }

    private static string Ms(IReadOnlyList<double> sorted, double percentile) =>
        Percentiles.Of(sorted, percentile).ToString("0", CultureInfo.InvariantCulture);
}
