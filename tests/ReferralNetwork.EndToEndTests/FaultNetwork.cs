using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Aspire.Hosting;

// One network at a time: two on two cores would make the fault test's timings about CPU, not recovery.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace ReferralNetwork.EndToEndTests;

/// <summary>
/// A network of its own for tests that break things, started exactly as the README's command starts
/// it (no relaxation but higher rate limits), its telemetry exported to <see cref="Telemetry"/>, a
/// collector of the tests', instead of the dashboard.
/// </summary>
public class FaultNetwork : AspireNetwork
{
    public TelemetryCollector Telemetry { get; } = new();

    protected override IEnumerable<string> Arguments => ["--otlp-endpoint", Telemetry.Url];

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        // The load and its retries come from one partner and one address.
        ["RateLimits__PerPartnerPerMinute"] = "60000",
        ["RateLimits__TokenPerMinute"] = "1000",
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Telemetry.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Kills the resource's process with SIGKILL and waits until the AppHost has started it again.</summary>
    public async Task KillAsync(string resource)
    {
        var restartsBefore = await RestartsAsync(resource);
        Process.GetProcessById(await ProcessOfAsync(resource)).Kill();
        await Eventually.GetAsync(async () => await RestartsAsync(resource) > restartsBefore ? "restarted" : null, $"{resource} to be restarted", seconds: 120);
    }

    /// <summary>
    /// Stops the resource's process and every process under it with SIGSTOP, as a frozen virtual machine
    /// or container would be (all of PostgreSQL's backends, all of RabbitMQ's node), for
    /// <paramref name="held"/>, then lets them go on with SIGCONT, whatever happens meanwhile.
    /// </summary>
    public async Task PauseAsync(string resource, TimeSpan held)
    {
        var victim = await ProcessOfAsync(resource);
        var paused = Descendants(victim).Prepend(victim).ToList();
        try
        {
            foreach (var pid in paused)
            {
                Signal(pid, SigStop);
            }

            await Task.Delay(held);
        }
        finally
        {
            foreach (var pid in paused)
            {
                Signal(pid, SigCont);
            }
        }
    }

    /// <summary>How many times the AppHost restarted the resource after a crash (a property it keeps on the resource).</summary>
    private async Task<int> RestartsAsync(string resource)
    {
        var snapshot = (await App.ResourceNotifications.WaitForResourceAsync(resource, _ => true)).Snapshot;
        return snapshot.Properties.FirstOrDefault(p => p.Name == "restarts.after-crash")?.Value is { } value
            ? Convert.ToInt32(value, CultureInfo.InvariantCulture)
            : 0;
    }

    /// <summary>
    /// The process a crash would hit: the server or service itself, not the launcher Aspire started
    /// (dotnet run for a project, the shell that turns SIGTERM into a fast shutdown for PostgreSQL,
    /// RabbitMQ's start script).
    /// </summary>
    public async Task<int> ProcessOfAsync(string resource)
    {
        var snapshot = (await App.ResourceNotifications.WaitForResourceAsync(resource, _ => true)).Snapshot;
        var launcher = Convert.ToInt32(snapshot.Properties.Single(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);
        var descendants = Descendants(launcher);
        return resource switch
        {
            _ when IsBrokerNode(resource) => descendants.Single(p => Command(p) == "beam.smp"),
            "postgres" => descendants.First(p => Command(p) == "postgres"),
            _ => descendants.First(),
        };
    }

    /// <summary>A RabbitMQ node: <c>rabbitmq</c>, or a cluster's <c>rabbitmq-2</c>, <c>rabbitmq-3</c>; not its epmd nor a service's broker user.</summary>
    public static bool IsBrokerNode(string resource) =>
        resource == "rabbitmq"
        || (resource.StartsWith("rabbitmq-", StringComparison.Ordinal) && int.TryParse(resource["rabbitmq-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out _));

    /// <summary>Every process under <paramref name="ancestor"/>, depth first, from one reading of /proc.</summary>
    private static List<int> Descendants(int ancestor)
    {
        var children = Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, out _))
            .Select(int.Parse!)
            .Select(pid => (Pid: pid, Parent: ParentOf(pid)))
            .Where(p => p.Parent is not null)
            .ToLookup(p => p.Parent!.Value, p => p.Pid);
        var found = new List<int>();
        void Walk(int parent)
        {
            foreach (var child in children[parent].Order())
            {
                found.Add(child);
                Walk(child);
            }
        }

        Walk(ancestor);
        return found;
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            // "pid (comm) state ppid …": comm may hold spaces, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private const int SigCont = 18;
    private const int SigStop = 19;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static void Signal(int pid, int signal)
    {
        // A process that ended meanwhile (ESRCH) has nothing left to stop or continue.
        if (Kill(pid, signal) != 0 && Marshal.GetLastPInvokeError() != 3)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }
}

/// <summary>
/// Stands in for whatever OpenTelemetry collector an operator runs: takes OTLP/HTTP exports of traces,
/// metrics and logs, answers 200 and keeps every body exactly as it arrived, to be searched.
/// </summary>
public sealed class TelemetryCollector() : LoopbackReceiver("/")
{
    private readonly ConcurrentQueue<(string Path, byte[] Body)> received = new();

    public IReadOnlyList<(string Path, byte[] Body)> Received => [.. received];

    protected override async Task AnswerAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        received.Enqueue((context.Request.Url?.AbsolutePath ?? "", body.ToArray()));
        context.Response.StatusCode = 200;
    }
}

[CollectionDefinition(Name)]
public sealed class FaultNetworkCollection : ICollectionFixture<FaultNetwork>
{
    public const string Name = "fault network";
}
