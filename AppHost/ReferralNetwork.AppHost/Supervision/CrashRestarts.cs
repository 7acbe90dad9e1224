using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ReferralNetwork.AppHost.Supervision;

/// <summary>Marks a resource the AppHost starts again when it crashes.</summary>
public sealed class RestartOnCrashAnnotation : IResourceAnnotation;

/// <summary>
/// Aspire does not restart a crashed process. This does, with backoff, for every resource marked
/// <see cref="RestartOnCrashAnnotation"/>: a process that ends without anyone asking it to stop (no
/// Stopping state before it ended, the AppHost not shutting down) is started again after 1 s, then
/// 2, 4, … up to a minute while it keeps crashing; a run of two minutes resets the backoff. Each
/// restart is written to the resource's own console log and counted in its properties, so the
/// dashboard shows it. An operator's Stop is respected.
/// </summary>
public sealed class CrashRestarts(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService resourceLogs,
    IHostApplicationLifetime lifetime,
    ILogger<CrashRestarts> logger) : BackgroundService
{
    public const string RestartsProperty = "restarts.after-crash";

    private static readonly TimeSpan StableRun = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Supervised> supervised = new(StringComparer.Ordinal);

    /// <summary>The wait before restart number <paramref name="attempt"/> (1-based) of a run of crashes.</summary>
    public static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(LongestBackoff.TotalSeconds, Math.Pow(2, Math.Max(0, attempt - 1))));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken))
            {
                if (!update.Resource.HasAnnotationOfType<RestartOnCrashAnnotation>())
                {
                    continue;
                }
                var state = supervised.GetOrAdd(update.ResourceId, _ => new Supervised());
                var now = update.Snapshot.State?.Text;
                var before = state.LastState;
                state.LastState = now;
                if (now == KnownResourceStates.Running && before != KnownResourceStates.Running)
                {
                    state.RunningSince = DateTimeOffset.UtcNow;
                }
                if (now == KnownResourceStates.Stopping)
                {
                    state.StopRequested = true;
                }
                else if (now == KnownResourceStates.Starting)
                {
                    state.StopRequested = false;
                }
                if (IsEnded(now) && !IsEnded(before) && before is not null && !state.StopRequested && !lifetime.ApplicationStopping.IsCancellationRequested)
                {
                    _ = RestartAsync(update.Resource, update.ResourceId, update.Snapshot.ExitCode, state, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
    }

    private static bool IsEnded(string? state) =>
        state is not null && (KnownResourceStates.TerminalStates.Contains(state));

    private async Task RestartAsync(IResource resource, string resourceId, int? exitCode, Supervised state, CancellationToken stoppingToken)
    {
        if (state.RunningSince is { } since && DateTimeOffset.UtcNow - since >= StableRun)
        {
            state.CrashesInARow = 0;
        }
        state.CrashesInARow++;
        state.Restarts++;
        var wait = Backoff(state.CrashesInARow);
        var console = resourceLogs.GetLogger(resourceId);
        console.LogWarning("{Resource} ended unexpectedly (exit code {ExitCode}); the AppHost starts it again in {Seconds} s (restart {Restarts}).",
            resource.Name, exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown", wait.TotalSeconds, state.Restarts);
        logger.LogWarning("{Resource} ended unexpectedly (exit code {ExitCode}); restarting in {Seconds} s.", resourceId, exitCode, wait.TotalSeconds);
        await notifications.PublishUpdateAsync(resource, resourceId, s => s with
        {
            Properties = [.. s.Properties.Where(p => p.Name != RestartsProperty), new ResourcePropertySnapshot(RestartsProperty, state.Restarts)],
        });
        try
        {
            await Task.Delay(wait, stoppingToken);
            // Someone may have started it meanwhile (the dashboard's Start): then there is nothing to do.
            if (!IsEnded(state.LastState) || state.StopRequested)
            {
                return;
            }
            var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stoppingToken);
            if (!result.Success)
            {
                logger.LogError("Could not restart {Resource}: {Error}", resourceId, result.Message);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping; nothing to restart.
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not restart {Resource}", resourceId);
        }
    }

    private sealed class Supervised
    {
        public string? LastState { get; set; }

        public bool StopRequested { get; set; }

        public DateTimeOffset? RunningSince { get; set; }

        public int CrashesInARow { get; set; }

        public int Restarts { get; set; }
    }
}

public static class CrashRestartExtensions
{
    /// <summary>Starts the resource again, with backoff, whenever it crashes.</summary>
    public static IResourceBuilder<T> WithRestartOnCrash<T>(this IResourceBuilder<T> builder) where T : IResource
    {
        if (!builder.ApplicationBuilder.Services.Any(s => s.ImplementationType == typeof(CrashRestarts)))
        {
            builder.ApplicationBuilder.Services.AddHostedService<CrashRestarts>();
        }
        return builder.WithAnnotation(new RestartOnCrashAnnotation());
    }
}
