using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using JasperFx;
using Marten;
using Npgsql;
using ReferralNetwork.Bench.Network;
using ReferralNetwork.Feedback;
using ReferralNetwork.Feedback.Reports;
using ReferralNetwork.Feedback.Services;
using Weasel.Core;

namespace ReferralNetwork.Bench.Reports;

/// <summary>
/// The commissioner's summary report over a year of one area's referrals (a million in the full run): the
/// feedback service's documents are bulk-loaded as its projections would have written them from real events,
/// then the report is asked for through the gateway, a few times to warm up and then timed.
/// </summary>
public static class ReportBenchmark
{
    private const int WarmUpCalls = 3;
    private const int TimedCalls = 10;
    private static readonly TimeSpan Target = TimeSpan.FromSeconds(1);

    public static async Task<IReadOnlyList<BenchRow>> RunAsync(BenchNetwork network, BenchOptions options, CancellationToken ct)
    {
        var area = "report-bench-" + Guid.NewGuid().ToString("N")[..6];
        var to = DateOnly.FromDateTime(DateTime.UtcNow);
        var from = to.AddDays(-365);
        var period = new ReportPeriod(area, from, to);

        // Written by the service's own document configuration and serializer, so the rows are the service's.
        using var store = DocumentStore.For(opts =>
        {
            opts.Connection(network.ConnectionStringAsync("feedbackdb").GetAwaiter().GetResult());
            opts.UseSystemTextJsonForSerialization(EnumStorage.AsString);
            opts.Events.UseMandatoryStreamTypeDeclaration = true;
            // The service owns the schema; the benchmark only writes rows into it.
            opts.AutoCreateSchemaObjects = AutoCreate.None;
            Extensions.ConfigureStore(opts);
        });

        Console.WriteLine($"[bench] report: seeding {options.ReportReferrals:N0} referrals' journeys, measures and ratings for {area} ({from:yyyy-MM-dd} to {to:yyyy-MM-dd})");
        var seeding = Stopwatch.StartNew();
        var seeded = await ReportSeed.WriteAsync(store, area, period.Start, options.ReportReferrals, ct);
        await AnalyseAsync(store, ct);
        seeding.Stop();
        Console.WriteLine($"[bench] report: seeded {seeded.Journeys:N0} journeys, {seeded.Outcomes:N0} outcome records, {seeded.Ratings:N0} ratings in {seeding.Elapsed.TotalSeconds:0.0} s");

        var (_, token) = await network.RegisterAsync("Bench Commissioners", "commissioner", area, ct);
        using var client = new HttpClient { BaseAddress = network.GatewayUrl, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var url = $"/api/reports/summary?area={area}&from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}";

        Console.WriteLine($"[bench] report: {WarmUpCalls} warm-up calls, then {TimedCalls} timed, through the gateway");
        var total = 0m;
        for (var i = 0; i < WarmUpCalls; i++)
        {
            total = await ReportTotalAsync(client, url, ct);
        }

        var timings = new List<double>();
        for (var i = 0; i < TimedCalls; i++)
        {
            var call = Stopwatch.StartNew();
            await ReportTotalAsync(client, url, ct);
            timings.Add(call.Elapsed.TotalMilliseconds);
        }

        timings.Sort();
        var rows = new List<BenchRow>
        {
            new($"report: seeding {options.ReportReferrals:N0} referrals (bulk load of the feedback service's documents)",
                $"{seeding.Elapsed.TotalSeconds:0.0} s", "", null),
            new($"report over {total:N0} referrals through the gateway, p50 of {TimedCalls}", $"{Percentiles.Of(timings, 50):0} ms", "< 1000 ms",
                Percentiles.Of(timings, 50) < Target.TotalMilliseconds),
            new($"report over {total:N0} referrals through the gateway, max of {TimedCalls}", $"{timings[^1]:0} ms", "< 1000 ms",
                timings[^1] < Target.TotalMilliseconds),
        };

        if (total != seeded.InPeriod)
        {
            throw new InvalidOperationException($"The report counted {total} referrals; {seeded.InPeriod} were seeded in its period.");
        }

        rows.Add(await FormerPathAsync(store, period, ct));
        return rows;
    }

    /// <summary>The report's total referrals; the whole body is read, as a commissioner's client would.</summary>
    private static async Task<decimal> ReportTotalAsync(HttpClient client, string url, CancellationToken ct)
    {
        using var response = await client.GetAsync(url, ct);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return body.RootElement.GetProperty("referrals").GetProperty("total").GetProperty("value").GetDecimal();
    }

    /// <summary>
    /// Planner statistics and the visibility map for the report tables, as autovacuum would have them a minute
    /// after a load this size: without them PostgreSQL guesses at row counts and reads the heap behind each index.
    /// </summary>
    private static async Task AnalyseAsync(IDocumentStore store, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        foreach (var table in new[] { ReportTables.Referrals, ReportTables.Onward, ReportTables.Ratings })
        {
            await using var vacuum = new NpgsqlCommand($"vacuum (analyze) {store.Options.DatabaseSchemaName}.{table}", connection) { CommandTimeout = 600 };
            await vacuum.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>
    /// The report as it was composed before the report tables, from every journey document of the area, once,
    /// in this process (so without HTTP and the gateway): the "before" figure.
    /// </summary>
    private static async Task<BenchRow> FormerPathAsync(IDocumentStore store, ReportPeriod period, CancellationToken ct)
    {
        Console.WriteLine("[bench] report: once more the former way, from the documents in memory");
        await using var session = store.QuerySession();
        var watch = Stopwatch.StartNew();
        var services = await session.Query<ListedService>().Where(s => s.Area == period.Area).ToListAsync(ct);
        var report = await ReportsApi.InMemoryAsync(session, period, services, ct);
        watch.Stop();
        return new BenchRow(
            $"before: the same report composed from {report.Referrals.Total.Value:N0} journey documents in memory (in-process, no HTTP, 1 call)",
            $"{watch.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms", "", null);
    }
}
