using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.AppHost.Infrastructure;

/// <summary>
/// The broker's queue depths as OpenTelemetry gauges, read from RabbitMQ's management API every few
/// seconds, so the dashboard charts them beside the services' own metrics: messages per queue (ready
/// and unacknowledged), consumers per queue, and the messages stuck in <c>_error</c> and
/// <c>_skipped</c> queues, which an operator must look at.
/// </summary>
public sealed class BrokerQueueMetrics : BackgroundService
{
    public const string MeterName = "ReferralNetwork.Broker";

    private static readonly TimeSpan ReadEvery = TimeSpan.FromSeconds(5);

    private readonly Func<Task<BrokerQueues?>> connect;
    private BrokerQueueReading? latest;

    /// <param name="connect">The management API's reader once the broker's address and password are known; null until then.</param>
    public BrokerQueueMetrics(IMeterFactory meters, Func<Task<BrokerQueues?>> connect)
    {
        this.connect = connect;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("rabbitmq.queue.messages", () => Queues().SelectMany(q => new[]
        {
            new Measurement<long>(q.Ready, Tags(q, "ready")),
            new Measurement<long>(q.Unacknowledged, Tags(q, "unacknowledged")),
        }), "{message}", "Messages in each queue, ready for a consumer or delivered and not yet acknowledged.");
        meter.CreateObservableGauge("rabbitmq.queue.consumers", () => Queues().Select(q =>
            new Measurement<int>(q.Consumers, new KeyValuePair<string, object?>("queue", q.Name))), "{consumer}", "Consumers attached to each queue.");
        meter.CreateObservableGauge("rabbitmq.dead_letter.messages", () => latest is { Succeeded: true } reading
            ? [new Measurement<long>(reading.DeadLetterMessages)]
            : Array.Empty<Measurement<long>>(),
            "{message}", "Messages in every _error and _skipped queue together: failed or unconsumed, waiting for an operator.");
        meter.CreateObservableGauge("rabbitmq.up", () => new Measurement<int>(latest is { Succeeded: true } ? 1 : 0),
            null, "1 while the management API answers, 0 while the broker is down or restarting.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        BrokerQueues? reader = null;
        try
        {
            using var timer = new PeriodicTimer(ReadEvery);
            do
            {
                reader ??= await connect();
                if (reader is not null)
                {
                    latest = await reader.ReadAsync(stoppingToken);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
        finally
        {
            reader?.Dispose();
        }
    }

    private IEnumerable<BrokerQueue> Queues() => latest is { Succeeded: true } reading ? reading.Queues : [];

    private static KeyValuePair<string, object?>[] Tags(BrokerQueue queue, string state) =>
    [
        new("queue", queue.Name),
        new("state", state),
        new("kind", queue.IsErrorQueue ? "error" : queue.IsSkippedQueue ? "skipped" : "work"),
    ];
}

public static class BrokerQueueExtensions
{
    /// <summary>
    /// Queue depths exported to the dashboard as metrics of the broker, and a command that moves the
    /// messages of every <c>_error</c> and <c>_skipped</c> queue back to the queues they came from.
    /// </summary>
    public static IResourceBuilder<RabbitMqServerResource> WithQueueMetricsAndCommands(this IResourceBuilder<RabbitMqServerResource> broker)
    {
        var builder = broker.ApplicationBuilder;
        async Task<BrokerQueues?> ConnectAsync()
        {
            if (!broker.Resource.Management.IsAllocated)
            {
                return null;
            }
            var password = await broker.Resource.Password.GetValueAsync(CancellationToken.None) ?? "";
            return new BrokerQueues(broker.Resource.Management.Url, RabbitMqServerResource.UserName, password);
        }

        builder.Services.AddHostedService(services => new BrokerQueueMetrics(services.GetRequiredService<IMeterFactory>(), ConnectAsync));
        // Exported straight to the dashboard's OTLP receiver, under the broker's name.
        if (builder.Configuration["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] is { } otlp)
        {
            builder.Services.AddOpenTelemetry()
                .ConfigureResource(r => r.AddService(broker.Resource.Name))
                .WithMetrics(metrics => metrics
                    .AddMeter(BrokerQueueMetrics.MeterName)
                    .AddOtlpExporter((exporter, reader) =>
                    {
                        exporter.Endpoint = new Uri(otlp);
                        exporter.Protocol = OtlpExportProtocol.Grpc;
                        if (builder.Configuration["AppHost:OtlpApiKey"] is { } apiKey)
                        {
                            exporter.Headers = $"x-otlp-api-key={apiKey}";
                        }
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 5000;
                    }));
        }

        return broker.WithCommand(
            "move-failed-messages-back",
            "Move failed messages back",
            async context =>
            {
                using var queues = await ConnectAsync();
                if (queues is null)
                {
                    return CommandResults.Failure("The broker has not started yet.");
                }
                var reading = await queues.ReadAsync(context.CancellationToken);
                if (!reading.Succeeded)
                {
                    return CommandResults.Failure(reading.Problem);
                }
                var moved = new List<string>();
                foreach (var queue in reading.DeadLetterQueues.Where(q => q.Messages > 0))
                {
                    await queues.MoveBackAsync(queue.Name, context.CancellationToken);
                    moved.Add($"{queue.Messages} from {queue.Name}");
                }
                return CommandResults.Success(moved.Count == 0 ? "No _error or _skipped queue holds messages." : "Moving back " + string.Join(", ", moved) + ".");
            },
            new CommandOptions
            {
                Description = "Moves the messages of every _error and _skipped queue back to the queue they came from, for their consumers to try again.",
                ConfirmationMessage = "Move every failed and skipped message back to its queue?",
                IconName = "ArrowReply",
                UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running
                    ? ResourceCommandState.Enabled
                    : ResourceCommandState.Disabled,
            });
    }
}
