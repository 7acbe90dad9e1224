using ReferralNetwork.Bench.Network;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.Bench.Intake;

/// <summary>What the broker's queues, the services' memory and every part's CPU did while a load ran; sampled every second.</summary>
public sealed class PhaseWatch : IAsyncDisposable
{
    private readonly BrokerQueues queues;
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;
    private readonly Dictionary<string, long> deepest = [];

    private readonly IReadOnlyList<string> marks;
    private readonly NetworkProcesses.Reading startReading;
    private readonly DateTimeOffset startedAt = DateTimeOffset.UtcNow;

    private PhaseWatch(BrokerQueues queues, IReadOnlyList<string> marks)
    {
        this.queues = queues;
        this.marks = marks;
        startReading = NetworkProcesses.Read(marks);
        sampling = Task.Run(SampleAsync);
    }

    public static PhaseWatch Start(BrokerQueues queues, IReadOnlyList<string> processMarks) => new(queues, processMarks);

    /// <summary>The most messages any one queue held at once, and which.</summary>
    public (string Queue, long Messages) DeepestQueue { get; private set; } = ("none", 0);

    public long MostServiceMemoryBytes { get; private set; }

    /// <summary>CPU each part of the network used over the phase, in cores; set once the watch is disposed.</summary>
    public IReadOnlyDictionary<string, double> CoresByPart { get; private set; } = new Dictionary<string, double>();

    /// <summary>Messages left in the queues when the load stopped.</summary>
    public long MessagesAtEnd { get; private set; }

    private async Task SampleAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            MostServiceMemoryBytes = Math.Max(MostServiceMemoryBytes, NetworkProcesses.Read(marks).ServicesPssBytes);
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
        CoresByPart = NetworkProcesses.CoresBetween(startReading, NetworkProcesses.Read(marks), DateTimeOffset.UtcNow - startedAt);
    }
}
