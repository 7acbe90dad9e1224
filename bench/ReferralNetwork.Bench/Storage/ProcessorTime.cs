using System.Diagnostics;
using System.Globalization;

namespace ReferralNetwork.Bench.Storage;

/// <summary>
/// CPU time spent so far by this process (the writers: Marten or Npgsql) and by one PostgreSQL server (its
/// postmaster and every process it started), so a run's difference tells on which side of the connection a
/// path spends its time. Read from /proc; the postmaster's reaped-children times keep what exited processes
/// (autovacuum workers) spent. Other servers on the machine are not counted.
/// </summary>
public readonly record struct ProcessorTime(TimeSpan Client, TimeSpan Server)
{
    /// <summary>The kernel's clock ticks (USER_HZ), 100 a second on every Linux the network runs on.</summary>
    private const double TicksPerSecond = 100;

    public static ProcessorTime Now(int postmaster)
    {
        using var self = Process.GetCurrentProcess();
        return new ProcessorTime(self.TotalProcessorTime, TimeSpan.FromSeconds(ServerTicks(postmaster) / TicksPerSecond));
    }

    /// <summary>The postmaster of the server a connection's backend runs under (its parent process).</summary>
    public static int PostmasterOf(int backend) => int.Parse(Fields(File.ReadAllText($"/proc/{backend}/stat"))[1], CultureInfo.InvariantCulture);

    public static ProcessorTime operator -(ProcessorTime after, ProcessorTime before) =>
        new(after.Client - before.Client, after.Server - before.Server);

    public static ProcessorTime operator +(ProcessorTime a, ProcessorTime b) => new(a.Client + b.Client, a.Server + b.Server);

    private static long ServerTicks(int postmaster)
    {
        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var fields = Fields(File.ReadAllText(Path.Combine(directory, "stat")));
                if (pid == postmaster)
                {
                    // utime, stime, and cutime, cstime: what its exited children spent.
                    ticks += Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
                }
                else if (fields[1] == postmaster.ToString(CultureInfo.InvariantCulture))
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Processes come and go while /proc is read.
            }
        }

        return ticks;
    }

    /// <summary>The fields of /proc/PID/stat after "pid (command) ": [0] is the state, [1] the parent, [11..14] the times.</summary>
    private static string[] Fields(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
}
