using Microsoft.Extensions.Hosting;

namespace ReferralNetwork.ServiceDefaults;

public static class ApplicationStart
{
    /// <summary>
    /// Completes once every hosted service has started. Background work that queries the store waits for it:
    /// Marten applies its schema changes among the hosted services, and a first pass must not race them.
    /// </summary>
    public static async Task WhenStartedAsync(this IHostApplicationLifetime lifetime, CancellationToken ct)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(ct);
    }
}
