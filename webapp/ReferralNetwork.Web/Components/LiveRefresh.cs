namespace ReferralNetwork.Web.Components;

/// <summary>
/// Asks again every few seconds while a page is open, so what changed elsewhere (a new onward referral, a
/// message) appears without reloading. One call at a time; a failed one is tried again at the next tick.
/// Pages pass a refresh that runs on their own dispatcher (ComponentBase.InvokeAsync).
/// </summary>
public sealed class LiveRefresh : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task running;

    private LiveRefresh(TimeSpan every, Func<CancellationToken, Task> refresh, ILogger logger) =>
        running = RunAsync(every, refresh, logger, stop.Token);

    public static LiveRefresh Start(TimeSpan every, Func<CancellationToken, Task> refresh, ILogger logger) => new(every, refresh, logger);

    private static async Task RunAsync(TimeSpan every, Func<CancellationToken, Task> refresh, ILogger logger, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await refresh(ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "A page's refresh failed; it tries again at the next tick");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The page was closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await running;
        stop.Dispose();
    }
}
