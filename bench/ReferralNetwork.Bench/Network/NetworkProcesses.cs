using System.Globalization;
using System.Text.RegularExpressions;

namespace ReferralNetwork.Bench.Network;

/// <summary>
/// The processes of this run's own network, read from /proc, each named by the part of the network it is:
/// those whose command line or environment carries one of the network's marks (its data folder, which
/// PostgreSQL and RabbitMQ run from, and its database port, which every service's connection strings name).
/// DCP starts them detached from this process, and another network on the same machine is not counted.
/// </summary>
public static partial class NetworkProcesses
{
    /// <summary>The parts whose memory the target counts: the four services and the gateway.</summary>
    public static readonly IReadOnlyList<string> Services = ["referrals", "linkworkers", "communityproviders", "feedback", "gateway"];

    private static readonly long TicksPerSecond = 100; // USER_HZ on Linux

    [GeneratedRegex(@"/ReferralNetwork\.(Referrals|LinkWorkers|CommunityProviders|Feedback|Gateway)(\.dll)?( |$)")]
    private static partial Regex ServiceCommandLine();

    /// <summary>One reading: CPU time used so far and PSS now, by part.</summary>
    public sealed record Reading(IReadOnlyDictionary<string, TimeSpan> Cpu, IReadOnlyDictionary<string, long> PssBytes)
    {
        public long ServicesPssBytes => Services.Sum(s => PssBytes.GetValueOrDefault(s));
    }

    public static Reading Read(IReadOnlyList<string> marks)
    {
        var stats = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && StatOf(directory) is { } stat)
            {
                stats[pid] = stat;
            }
        }

        var marked = stats.Keys.Where(pid => Marked("/proc/" + pid.ToString(CultureInfo.InvariantCulture), marks)).ToHashSet();
        var cpu = new Dictionary<string, TimeSpan>();
        var pss = new Dictionary<string, long>();
        foreach (var (pid, (parent, ticks)) in stats)
        {
            // PostgreSQL's backends carry no mark of their own: they are the marked server's children.
            var directory = "/proc/" + pid.ToString(CultureInfo.InvariantCulture);
            var part = pid == Environment.ProcessId ? "bench and AppHost" : marked.Contains(pid) || marked.Contains(parent) ? PartOf(directory) : null;
            if (part is null)
            {
                continue;
            }

            cpu[part] = cpu.GetValueOrDefault(part) + TimeSpan.FromSeconds((double)ticks / TicksPerSecond);
            pss[part] = pss.GetValueOrDefault(part) + PssOf(directory);
        }

        return new Reading(cpu, pss);
    }

    private static bool Marked(string directory, IReadOnlyList<string> marks)
    {
        try
        {
            var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline"));
            var environment = File.ReadAllText(Path.Combine(directory, "environ"));
            return marks.Any(m => commandLine.Contains(m, StringComparison.Ordinal) || environment.Contains(m, StringComparison.Ordinal));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>CPU each part used between two readings, in cores (seconds of CPU a second).</summary>
    public static IReadOnlyDictionary<string, double> CoresBetween(Reading before, Reading after, TimeSpan elapsed) =>
        after.Cpu.ToDictionary(p => p.Key, p => (p.Value - before.Cpu.GetValueOrDefault(p.Key)).TotalSeconds / elapsed.TotalSeconds);

    private static string PartOf(string directory)
    {
        try
        {
            var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
            if (ServiceCommandLine().Match(commandLine) is { Success: true } service)
            {
                return service.Groups[1].Value.ToLowerInvariant();
            }

            var name = File.ReadAllText(Path.Combine(directory, "comm")).Trim();
            return name switch
            {
                "postgres" => "postgres",
                "beam.smp" or "epmd" or "erl_child_setup" or "inet_gethost" => "rabbitmq",
                _ => "tooling (DCP, dotnet run)",
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "tooling (DCP, dotnet run)";
        }
    }

    private static long PssOf(string directory)
    {
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(directory, "smaps_rollup")))
            {
                if (line.StartsWith("Pss:", StringComparison.Ordinal))
                {
                    return 1024 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Processes come and go while /proc is read.
        }

        return 0;
    }

    /// <summary>Parent and CPU ticks (user + system) from /proc/pid/stat: fields 4, 14 and 15, counted after the command name in parentheses.</summary>
    private static (int Parent, long Ticks)? StatOf(string directory)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(directory, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
