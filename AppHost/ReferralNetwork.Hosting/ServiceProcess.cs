using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace ReferralNetwork.Hosting;

/// <summary>
/// One of our ASP.NET Core services (or the gateway) run as a child <c>dotnet &lt;dll&gt;</c> process,
/// supervised: output streamed with a <c>[name]</c> prefix, health polled, restarted with backoff
/// when it crashes (Aspire's <c>AddProject</c>).
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>A crash after this much uptime is a fresh failure, not part of a crash loop.</summary>
    private static readonly TimeSpan StableUptime = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Inherited variables a child must not see unless we set them: each service gets only its
    /// own connection string, and only the gateway gets the private key and operator secret.
    /// </summary>
    private static readonly string[] ScrubbedPrefixes =
    [
        "ConnectionStrings__", "Auth__", "ReverseProxy__", "OTEL_", "OPERATOR_CLIENT_SECRET",
        "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS",
    ];

    private static readonly HttpClient HealthClient = new() { Timeout = TimeSpan.FromSeconds(3) };

    private readonly Dictionary<string, string> environment = new(StringComparer.Ordinal);
    private readonly Action<string> log;
    private readonly RecentLines output = new();
    private readonly Lock gate = new();
    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private readonly List<int> exitCodes = [];
    private CancellationTokenSource supervision = new();
    private Process? process;
    private DateTimeOffset launchedAt;
    private int consecutiveCrashes;

    public ServiceProcess(
        string name,
        string dllPath,
        string url,
        IReadOnlyDictionary<string, string>? environment = null,
        Action<string>? log = null)
    {
        Name = name;
        DllPath = Path.GetFullPath(dllPath);
        Url = url.TrimEnd('/');
        this.log = log ?? (_ => { });
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            this.environment[key] = value;
        }
    }

    public string Name { get; }

    public string DllPath { get; }

    /// <summary>Base URL the service listens on, e.g. <c>http://127.0.0.1:5101</c>.</summary>
    public string Url { get; }

    public IReadOnlyDictionary<string, string> Environment => environment;

    /// <summary>When set, the current process id is written here, so a later run can stop an orphan.</summary>
    public string? PidFile { get; init; }

    public ResourceState State { get; private set; } = ResourceState.NotStarted;

    public int? ProcessId
    {
        get
        {
            lock (gate)
            {
                return process is { HasExited: false } p ? p.Id : null;
            }
        }
    }

    /// <summary>How many times the supervisor relaunched the process after a crash.</summary>
    public int RestartCount { get; private set; }

    public DateTimeOffset? StartedAt => State is ResourceState.Starting or ResourceState.Running ? launchedAt : null;

    public IReadOnlyList<string> RecentLogLines => output.Snapshot();

    /// <summary>Adds or replaces an environment variable for the next launch.</summary>
    public ServiceProcess WithEnvironment(string key, string value)
    {
        environment[key] = value;
        return this;
    }

    /// <summary>Passes the resource's connection string as <c>ConnectionStrings__{name}</c>, as Aspire does.</summary>
    public ServiceProcess WithReference(IResourceWithConnectionString resource) =>
        WithEnvironment($"ConnectionStrings__{resource.Name}", resource.ConnectionString);

    /// <summary>Launches the process; it is supervised until <see cref="StopAsync"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (State is ResourceState.Starting or ResourceState.Running or ResourceState.Restarting)
            {
                return;
            }
            if (!File.Exists(DllPath))
            {
                throw new FileNotFoundException($"{Name}: {DllPath} does not exist; build first: dotnet build -c Release", DllPath);
            }
            supervision = new CancellationTokenSource();
            consecutiveCrashes = 0;
            Launch();
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>
    /// Polls <c>GET {Url}/health</c> until it answers 200. Fails with the log tail on timeout, when
    /// the process is stopped, or when it keeps crashing while we wait.
    /// </summary>
    public async Task WaitForHealthyAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(90);
        var clock = Stopwatch.StartNew();
        var crashesBefore = RestartCount + (State == ResourceState.Restarting ? 1 : 0);
        var lastProblem = "no answer yet";
        while (clock.Elapsed < limit)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (State is ResourceState.Stopped or ResourceState.Stopping or ResourceState.NotStarted)
            {
                throw new InvalidOperationException($"{Name} is {State.ToString().ToLowerInvariant()}, so it cannot become healthy.");
            }
            if (RestartCount + (State == ResourceState.Restarting ? 1 : 0) - crashesBefore >= 3)
            {
                throw new InvalidOperationException(
                    $"{Name} crashed repeatedly while starting (exit codes {ExitCodesText()}). Last output:{System.Environment.NewLine}{output.Tail()}");
            }
            if (State != ResourceState.Restarting)
            {
                try
                {
                    using var response = await HealthClient.GetAsync(Url + "/health", cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        MarkHealthy();
                        return;
                    }
                    lastProblem = $"/health answered {(int)response.StatusCode}";
                }
                catch (HttpRequestException e)
                {
                    lastProblem = e.Message;
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    lastProblem = "/health did not answer within 3 s";
                }
            }
            await Task.Delay(250, cancellationToken);
        }
        throw new TimeoutException(
            $"{Name} was not healthy at {Url}/health within {limit.TotalSeconds:0} s ({lastProblem}). " +
            $"Last output:{System.Environment.NewLine}{output.Tail()}");
    }

    /// <summary>Stops the process and launches it again (e.g. to pick up a changed environment).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartAsync(cancellationToken);
    }

    /// <summary>
    /// Ends supervision, asks the process to shut down (SIGTERM: ASP.NET Core drains requests and
    /// stops hosted services) and kills its whole tree if it is still there after the grace period.
    /// </summary>
    public async Task StopAsync(TimeSpan? gracePeriod = null)
    {
        await lifecycle.WaitAsync();
        try
        {
            if (State is ResourceState.NotStarted or ResourceState.Stopped)
            {
                return;
            }
            State = ResourceState.Stopping;
            await supervision.CancelAsync();
            Process? running;
            lock (gate)
            {
                running = process;
                process = null;
            }
            if (running is not null)
            {
                await TerminateAsync(running, gracePeriod ?? TimeSpan.FromSeconds(10));
                running.Dispose();
            }
            DeletePidFile();
            State = ResourceState.Stopped;
        }
        finally
        {
            lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// Stops a process of ours an earlier run left behind, identified by its pid file and by its
    /// command line naming the same dll (so a reused pid is never touched).
    /// </summary>
    public static async Task StopLeftRunningAsync(string pidFile, string dllPath, Action<string>? log = null)
    {
        if (!File.Exists(pidFile))
        {
            return;
        }
        if (int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && UnixProcesses.IsAlive(pid)
            && UnixProcesses.CommandLineOf(pid).Contains(Path.GetFullPath(dllPath)))
        {
            log?.Invoke($"stopping {Path.GetFileName(dllPath)} (pid {pid}) an earlier run left running");
            await UnixProcesses.TerminateAsync(pid, TimeSpan.FromSeconds(10));
        }
        File.Delete(pidFile);
    }

    private void Launch()
    {
        var info = UnixProcesses.CreateStartInfo(DotnetHost.Path, [DllPath], workingDirectory: Path.GetDirectoryName(DllPath));
        foreach (var key in info.Environment.Keys.ToList())
        {
            if (ScrubbedPrefixes.Any(prefix => key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            {
                info.Environment.Remove(key);
            }
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var started = new Process { StartInfo = info, EnableRaisingEvents = true };
        started.OutputDataReceived += (_, e) => Record(e.Data);
        started.ErrorDataReceived += (_, e) => Record(e.Data);
        started.Start();
        started.StandardInput.Close();
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        lock (gate)
        {
            process = started;
        }
        launchedAt = DateTimeOffset.UtcNow;
        State = ResourceState.Starting;
        WritePidFile(started.Id);
        log($"[{Name}] started (pid {started.Id}) on {Url}");
        _ = SuperviseAsync(started, supervision.Token);
    }

    /// <summary>Relaunches after a crash with exponential backoff: 1 s, 2 s, 4 s … at most 30 s.</summary>
    private async Task SuperviseAsync(Process watched, CancellationToken cancellationToken)
    {
        try
        {
            await watched.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        lock (gate)
        {
            if (cancellationToken.IsCancellationRequested || !ReferenceEquals(process, watched))
            {
                return;
            }
            process = null;
            exitCodes.Add(watched.ExitCode);
            State = ResourceState.Restarting;
        }
        var uptime = DateTimeOffset.UtcNow - launchedAt;
        consecutiveCrashes = uptime >= StableUptime ? 1 : consecutiveCrashes + 1;
        var delay = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, consecutiveCrashes - 1)));
        log($"[{Name}] exited unexpectedly (exit code {watched.ExitCode}) after {uptime.TotalSeconds:0.0} s; restarting in {delay.TotalSeconds:0} s");
        watched.Dispose();
        try
        {
            await Task.Delay(delay, cancellationToken);
            await lifecycle.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            if (!cancellationToken.IsCancellationRequested && State == ResourceState.Restarting)
            {
                RestartCount++;
                Launch();
            }
        }
        catch (Exception e)
        {
            log($"[{Name}] could not be restarted: {e.Message}");
            State = ResourceState.Stopped;
        }
        finally
        {
            lifecycle.Release();
        }
    }

    private async Task TerminateAsync(Process running, TimeSpan gracePeriod)
    {
        if (running.HasExited)
        {
            return;
        }
        UnixProcesses.SendSignal(running.Id, UnixProcesses.SignalTerm);
        using var grace = new CancellationTokenSource(gracePeriod);
        try
        {
            await running.WaitForExitAsync(grace.Token);
            return;
        }
        catch (OperationCanceledException)
        {
            log($"[{Name}] still running {gracePeriod.TotalSeconds:0} s after SIGTERM; killing it");
        }
        running.Kill(entireProcessTree: true);
        await running.WaitForExitAsync(CancellationToken.None);
    }

    private void MarkHealthy()
    {
        lock (gate)
        {
            if (State == ResourceState.Starting)
            {
                State = ResourceState.Running;
            }
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }
        output.Add(line);
        log($"[{Name}] {line}");
    }

    private string ExitCodesText()
    {
        lock (gate)
        {
            return string.Join(", ", exitCodes.TakeLast(5));
        }
    }

    private void WritePidFile(int pid)
    {
        if (PidFile is null)
        {
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(PidFile)!);
        File.WriteAllText(PidFile, pid.ToString(CultureInfo.InvariantCulture));
    }

    private void DeletePidFile()
    {
        if (PidFile is not null)
        {
            File.Delete(PidFile);
        }
    }
}
