using System.Globalization;

namespace ReferralNetwork.Bench;

/// <summary>
/// How hard and how long: the full run (the figures: 500 referrals a second for 60 s, 16 connections,
/// a report over a million referrals) or a smoke run (a few seconds at a low rate, to prove the benchmark runs).
/// </summary>
public sealed record BenchOptions(double Rate, TimeSpan Duration, TimeSpan WarmUp, int Connections, int ReportReferrals, string? Output, string? Only = null)
{
    public static BenchOptions Full => new(500, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(40), 16, 1_000_000, null);

    public static BenchOptions Smoke => new(20, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), 4, 2_000, null);

    public const string Usage = """
        Usage: ReferralNetwork.Bench [--smoke] [--rate N] [--seconds N] [--connections N] [--report-referrals N] [--out FILE]
          --smoke              a few seconds at a low rate: proves the benchmark runs, measures nothing worth keeping
          --rate N             referrals offered a second (500)
          --seconds N          how long each load runs (60)
          --connections N      HTTP connections the load uses (16)
          --report-referrals N referrals behind the commissioner's report (1000000)
          --out FILE           also write the table (markdown) to FILE
          --only PART          run one part: intake, append or report
        """;

    /// <summary>Whether the part named runs in this run.</summary>
    public bool Runs(string part) => Only is null || string.Equals(Only, part, StringComparison.Ordinal);

    public static BenchOptions Parse(string[] args)
    {
        var options = args.Contains("--smoke") ? Smoke : Full;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--smoke" => options,
                "--rate" => options with { Rate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--seconds" => options with { Duration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--connections" => options with { Connections = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--report-referrals" => options with { ReportReferrals = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--out" => options with { Output = Next() },
                "--only" => options with { Only = Next() },
                _ => throw new FormatException($"Unknown argument {args[i]}."),
            };
        }

        return options.Rate > 0 && options.Duration > TimeSpan.Zero && options.Connections > 0 && options.ReportReferrals > 0
            ? options
            : throw new FormatException("Rate, seconds, connections and report referrals must be positive.");
    }
}
