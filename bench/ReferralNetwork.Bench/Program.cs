using ReferralNetwork.Bench;
using ReferralNetwork.Bench.Intake;
using ReferralNetwork.Bench.Network;
using ReferralNetwork.Bench.Reports;

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
await using (var network = await BenchNetwork.StartAsync(cancel.Token))
{
    rows.AddRange(await IntakeBenchmark.RunAsync(network, options, cancel.Token));
    rows.AddRange(await ReportBenchmark.RunAsync(network, options, cancel.Token));
}

var table = BenchTable.Render(options, rows);
Console.WriteLine();
Console.WriteLine(table);
if (options.Output is { } output)
{
    await File.WriteAllTextAsync(output, table);
}

return 0;
