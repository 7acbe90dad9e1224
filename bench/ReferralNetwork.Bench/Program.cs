using ReferralNetwork.Bench;
using ReferralNetwork.Bench.Intake;
using ReferralNetwork.Bench.Network;
using ReferralNetwork.Bench.Reports;

if (args.Contains("--help"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

Console.WriteLine("[bench] starting the network (AppHost, embedded PostgreSQL and RabbitMQ)…");
var rows = new List<BenchRow>();
var failed = false;
await using (var network = await BenchNetwork.StartAsync(cancel.Token))
{
    // One part failing still reports the others' figures, and the run exits non-zero.
    async Task PartAsync(string name, Func<Task<IReadOnlyList<BenchRow>>> part)
    {
        if (!options.Runs(name))
        {
            return;
        }

        try
        {
            var figures = await part();
            rows.AddRange(figures);
            Console.WriteLine(BenchTable.Render(options, figures));
        }
        catch (Exception e) when (!cancel.IsCancellationRequested)
        {
            failed = true;
            Console.Error.WriteLine($"[bench] {name} failed: {e}");
            rows.Add(new BenchRow($"{name}: did not complete", $"{e.GetType().Name}: {e.Message}", "completes", false));
        }
    }

    await PartAsync("intake", () => IntakeBenchmark.RunAsync(network, options, cancel.Token));
    await PartAsync("append", () => ReferralNetwork.Bench.Storage.AppendBenchmark.RunAsync(network, options, cancel.Token));
    await PartAsync("report", () => ReportBenchmark.RunAsync(network, options, cancel.Token));
}

var table = BenchTable.Render(options, rows);
Console.WriteLine();
Console.WriteLine(table);
if (options.Output is { } output)
{
    await File.WriteAllTextAsync(output, table);
}

return failed ? 1 : 0;
