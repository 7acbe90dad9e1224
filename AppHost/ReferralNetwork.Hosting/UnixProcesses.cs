using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace ReferralNetwork.Hosting;

/// <summary>The output and exit code of a short-lived command.</summary>
public sealed record CommandResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>Running commands the Unix way, as another OS user when we are root.</summary>
public static class UnixProcesses
{
    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();

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
        string? runAsUser = null)
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
            WorkingDirectory = runAsUser is null ? Environment.CurrentDirectory : "/",
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

    /// <summary>Runs a command to completion and returns its combined output; killed after <paramref name="timeout"/> (default 2 min).</summary>
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

        var limit = timeout ?? TimeSpan.FromMinutes(2);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"'{fileName} {string.Join(' ', info.ArgumentList.Skip(1))}' did not finish within {limit}.");
        }
        lock (outputGate)
        {
            return new CommandResult(process.ExitCode, output.ToString().TrimEnd());
        }
    }
}
