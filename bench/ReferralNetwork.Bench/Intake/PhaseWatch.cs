using ReferralNetwork.Bench.Network;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.Bench.Intake;

/// <summary>What the broker's queues and the services' memory did while a load ran, sampled every second.</summary>
public sealed class PhaseWatch : IAsyncDisposable
{
    private readonly BrokerQueues queues;
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;
    private readonly Dictionary<string, long> deepest = [];

    private PhaseWatch(BrokerQueues queues)
    {
        this.queues = queues;
        sampling = Task.Run(SampleAsync);
    }

    public static PhaseWatch Start(BrokerQueues queues) => new(queues);

    /// <summary>The most messages any one queue held at once, and which.</summary>
    public (string Queue, long Messages) DeepestQueue { get; private set; } = ("none", 0);

    public long MostServiceMemoryBytes { get; private set; }

    /// <summary>Messages left in the queues when the load stopped.</summary>
    public long MessagesAtEnd { get; private set; }

    private async Task SampleAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            MostServiceMemoryBytes = Math.Max(MostServiceMemoryBytes, ServiceMemory.PssBytes());
            var reading = await queues.ReadAsync(CancellationToken.None);
            if (reading.Succeeded)
            {
                foreach (var queue in reading.Queues)
                {
                    deepest[queue.Name] = Math.Max(deepest.GetValueOrDefault(queue.Name), queue.Messages);
                }

                var (name, messages) = deepest.MaxBy(q => q.Value);
                DeepestQueue = (name ?? "none", messages);
                MessagesAtEnd = reading.Queues.Sum(q => q.Messages);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await sampling;
        stop.Dispose();
    }
}
