using System.Diagnostics;
using Xunit.Abstractions;

namespace ReferralNetwork.EndToEndTests;

/// <summary>
/// The benchmark (./scripts/bench.sh, docs/benchmarks.md) in its smoke form: a few seconds at a low rate.
/// It asserts only that the benchmark starts its own network, runs every part and reports every figure; no
/// figure is judged here, since a timing on a shared test machine proves nothing.
/// </summary>
public class BenchmarkSmokeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task The_benchmark_runs_every_part_and_reports_every_figure()
    {
        var root = RepositoryRoot();
        var table = Path.Combine(Path.GetTempPath(), $"bench-smoke-{Guid.NewGuid():N}.md");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])[Path.Combine(root, "bench/ReferralNetwork.Bench/bin/Release/net10.0/ReferralNetwork.Bench.dll"), "--smoke", "--out", table])
        {
            start.ArgumentList.Add(argument);
        }

        using var bench = Process.Start(start)!;
        var stdout = bench.StandardOutput.ReadToEndAsync();
        var stderr = bench.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await bench.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            bench.Kill(entireProcessTree: true);
            throw;
        }

        var report = File.Exists(table) ? await File.ReadAllTextAsync(table) : "";
        output.WriteLine(report.Length > 0 ? report : (await stdout)[^Math.Min(20_000, (await stdout).Length)..] + await stderr);
        try
        {
            Assert.Equal(0, bench.ExitCode);
            foreach (var figure in (string[])[
                "intake straight at the referral service: p50 / p99 / max ms",
                "intake through the gateway: p50 / p99 / max ms",
                "case visible at the link-worker service after submission (through the gateway)",
                "gateway ÷ direct latency at the same load",
                "services' memory (PSS, gateway included)",
                "append: Marten ÷ raw Npgsql",
                "referrals through the gateway, p50 of",
            ])
            {
                Assert.Contains(figure, report);
            }

            Assert.DoesNotContain("did not complete", report);
        }
        finally
        {
            File.Delete(table);
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ReferralNetwork.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository's root (ReferralNetwork.sln) is not above " + AppContext.BaseDirectory);
    }
}
