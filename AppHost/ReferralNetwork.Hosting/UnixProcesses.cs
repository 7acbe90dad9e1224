using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace ReferralNetwork.Hosting;

/// <summary>The output and exit code of a short-lived command.</summary>
public sealed record CommandResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>Launching child processes and talking to processes by id, the Unix way.</summary>
public static class UnixProcesses
{
    public const int SignalTerm = 15;
    public const int SignalKill = 9;

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>PostgreSQL refuses to run as root, so as root we switch to its own OS user.</summary>
    public static bool IsRoot { get; } = OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    /// <summary>Sets a file's permission bits (the local network only runs on Linux).</summary>
    public static void SetFileMode(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The local referral network runs on Linux only.");
        }
        File.SetUnixFileMode(path, mode);
    }

    /// <summary>Sends a signal; false when the process no longer exists.</summary>
    public static bool SendSignal(int pid, int signal) => Kill(pid, signal) == 0;

    /// <summary>True while the process exists and is not a zombie waiting to be reaped.</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0 || (Kill(pid, 0) != 0 && Marshal.GetLastPInvokeError() != 1 /* EPERM: exists, not ours */))
        {
            return false;
        }
        // In a container without an init, orphans from an earlier run may never be reaped.
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..];
            return !state.StartsWith('Z') && !state.StartsWith('X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The kernel's short name of a process (e.g. <c>postgres</c>, <c>beam.smp</c>), or null when it is gone.</summary>
    public static string? NameOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The arguments a process was started with, or an empty list when it is gone.</summary>
    public static IReadOnlyList<string> CommandLineOf(int pid)
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{pid}/cmdline");
            return raw.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>
    /// A start description for a child in its own session (<c>setsid</c>), optionally as another OS user.
    /// </summary>
    /// <remarks>
    /// Own session: Ctrl+C in the terminal signals the whole foreground process group; children kept
    /// out of it are stopped by us in dependency order instead of all dying at once.
    /// <c>setsid</c> execs in place (our child is never a group leader), so the process id we hold
    /// is the real program's, or <c>runuser</c>'s when switching user.
    /// </remarks>
    public static ProcessStartInfo CreateStartInfo(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? runAsUser = null,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            // Another OS user may not be able to read our current folder; "/" is always readable.
            WorkingDirectory = workingDirectory ?? (runAsUser is null ? Environment.CurrentDirectory : "/"),
        };
        if (runAsUser is not null)
        {
            info.ArgumentList.Add("runuser");
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(runAsUser);
            info.ArgumentList.Add("--");
        }
        info.ArgumentList.Add(fileName);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }
        return info;
    }

    /// <summary>Runs a command to completion and returns its combined output.</summary>
    public static async Task<CommandResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? runAsUser = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var info = CreateStartInfo(fileName, arguments, environment, runAsUser);
        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        var outputGate = new Lock();
        void Collect(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }
            lock (outputGate)
            {
                output.AppendLine(e.Data);
            }
        }
        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"'{fileName} {string.Join(' ', info.ArgumentList.Skip(1))}' did not finish within {timeout}.");
        }
        lock (outputGate)
        {
            return new CommandResult(process.ExitCode, output.ToString().TrimEnd());
        }
    }

    /// <summary>
    /// Stops a process left behind by an earlier run: SIGTERM, then SIGKILL after the grace period.
    /// </summary>
    public static async Task TerminateAsync(int pid, TimeSpan gracePeriod)
    {
        if (!SendSignal(pid, SignalTerm))
        {
            return;
        }
        var deadline = DateTime.UtcNow + gracePeriod;
        while (IsAlive(pid) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        if (IsAlive(pid))
        {
            SendSignal(pid, SignalKill);
            while (IsAlive(pid) && DateTime.UtcNow < deadline + TimeSpan.FromSeconds(5))
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>
    /// Waits for a server to exit after it was asked to stop; one that does not within
    /// <paramref name="grace"/> is killed with its children, so nothing of ours is left behind.
    /// </summary>
    public static async Task WaitForExitOrKillAsync(System.Diagnostics.Process process, TimeSpan grace, Action onKill)
    {
        using var exit = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(exit.Token);
        }
        catch (OperationCanceledException)
        {
            onKill();
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }
}
