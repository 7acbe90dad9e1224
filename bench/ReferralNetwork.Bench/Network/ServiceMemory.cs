using System.Globalization;
using System.Text.RegularExpressions;

namespace ReferralNetwork.Bench.Network;

/// <summary>
/// The proportional set size (PSS, shared pages divided among their sharers) of the four services and
/// the gateway together, read from /proc; PostgreSQL, RabbitMQ and the Aspire tooling are left out.
/// </summary>
public static partial class ServiceMemory
{
    [GeneratedRegex(@"/ReferralNetwork\.(Referrals|LinkWorkers|CommunityProviders|Feedback|Gateway)(\.dll)?( |$)")]
    private static partial Regex ServiceCommandLine();

    public static long PssBytes()
    {
        long total = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (!ServiceCommandLine().IsMatch(commandLine))
                {
                    continue;
                }

                foreach (var line in File.ReadLines(Path.Combine(directory, "smaps_rollup")))
                {
                    if (line.StartsWith("Pss:", StringComparison.Ordinal))
                    {
                        total += 1024 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                        break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Processes come and go while /proc is read.
            }
        }

        return total;
    }
}
