using System.Text;

namespace ReferralNetwork.Bench;

/// <summary>The run's figures as one markdown table, headed by the machine and the load they came from.</summary>
public static class BenchTable
{
    public static string Render(BenchOptions options, IReadOnlyList<BenchRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine($"Referral Network benchmark, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, on {Machine()}.");
        text.AppendLine($"Load: {options.Rate:0} referrals/s offered for {options.Duration.TotalSeconds:0} s per phase over {options.Connections} connections; "
            + $"report over {options.ReportReferrals:N0} referrals.");
        text.AppendLine();
        text.AppendLine("| what | figure | target | met |");
        text.AppendLine("|---|---|---|---|");
        foreach (var row in rows)
        {
            text.AppendLine($"| {row.What} | {row.Figure} | {row.Target} | {row.Met switch { true => "yes", false => "**no**", null => "" }} |");
        }

        return text.ToString();
    }

    /// <summary>Cores, memory and CPU model, from /proc.</summary>
    private static string Machine()
    {
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memoryKb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return $"{Environment.ProcessorCount} cores ({model}), {long.Parse(memoryKb, System.Globalization.CultureInfo.InvariantCulture) / (1024 * 1024.0):0} GiB, "
            + $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
