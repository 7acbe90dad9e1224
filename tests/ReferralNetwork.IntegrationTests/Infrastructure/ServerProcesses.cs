using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ReferralNetwork.IntegrationTests.Infrastructure;

/// <summary>
/// Checking on and stopping the tests' server processes by id: the ones we launched, and ones a
/// crashed earlier run left behind.
/// </summary>
public static class ServerProcesses
{
    private const int SignalTerm = 15;
    private const int SignalKill = 9;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

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

    /// <summary>
    /// Stops a process left behind by an earlier run: SIGTERM, then SIGKILL after the grace period.
    /// </summary>
    public static async Task TerminateAsync(int pid, TimeSpan gracePeriod)
    {
        if (Kill(pid, SignalTerm) != 0)
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
            Kill(pid, SignalKill);
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
    public static async Task WaitForExitOrKillAsync(Process process, TimeSpan grace, Action onKill)
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
