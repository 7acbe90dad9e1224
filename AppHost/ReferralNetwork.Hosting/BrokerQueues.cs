using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ReferralNetwork.Hosting;

/// <summary>A queue on the broker as the management API last sampled it (every second on our node).</summary>
/// <param name="Messages">Ready plus unacknowledged.</param>
/// <param name="Ready">Waiting for a consumer.</param>
/// <param name="Unacknowledged">Delivered to a consumer, not yet acknowledged.</param>
public sealed record BrokerQueue(string Name, long Messages, long Ready, long Unacknowledged, int Consumers)
{
    /// <summary>MassTransit moves a message here when its consumer threw (after any retries).</summary>
    public bool IsErrorQueue => Name.EndsWith("_error", StringComparison.Ordinal);

    /// <summary>MassTransit moves a message here when nothing on the endpoint consumes its type.</summary>
    public bool IsSkippedQueue => Name.EndsWith("_skipped", StringComparison.Ordinal);

    /// <summary>Messages here are stuck until someone moves or deletes them: an operator should look.</summary>
    public bool IsDeadLetterQueue => IsErrorQueue || IsSkippedQueue;
}

/// <summary>How a <see cref="BrokerQueueReading"/> went.</summary>
public enum BrokerQueueReadStatus
{
    /// <summary>The queues were read.</summary>
    Read,

    /// <summary>The broker or its management API did not answer, or answered with an error (stopped, restarting, starting).</summary>
    Unreachable,
}

/// <summary>
/// One reading of the broker's queues; a failure is a value with a message fit to show an operator,
/// so what polls it (the queue metrics, the move-back command) never breaks on a broker that is down.
/// </summary>
public sealed record BrokerQueueReading(BrokerQueueReadStatus Status, IReadOnlyList<BrokerQueue> Queues, string? Problem)
{
    public bool Succeeded => Status == BrokerQueueReadStatus.Read;

    /// <summary>Queues holding messages that failed or that nothing consumes.</summary>
    public IEnumerable<BrokerQueue> DeadLetterQueues => Queues.Where(q => q.IsDeadLetterQueue);

    /// <summary>Messages waiting in every <c>_error</c> and <c>_skipped</c> queue together.</summary>
    public long DeadLetterMessages => DeadLetterQueues.Sum(q => q.Messages);

    public static BrokerQueueReading Read(IReadOnlyList<BrokerQueue> queues) =>
        new(BrokerQueueReadStatus.Read, queues, null);

    public static BrokerQueueReading Unreachable(string problem) =>
        new(BrokerQueueReadStatus.Unreachable, [], problem);
}

/// <summary>Reads queue depths from a RabbitMQ management HTTP API (<c>GET /api/queues/%2F</c>).</summary>
public sealed class BrokerQueues : IDisposable
{
    // Only what the metrics need: the full queue objects carry dozens of statistics each.
    private const string QueuesPath = "api/queues/%2F?columns=name,messages,messages_ready,messages_unacknowledged,consumers";

    private readonly HttpClient http;

    /// <param name="managementUrl">The management root, e.g. <c>http://127.0.0.1:55673/</c>.</param>
    /// <param name="timeout">Per reading; shorter than the metrics' interval. Default 5 s.</param>
    public BrokerQueues(string managementUrl, string userName, string password, TimeSpan? timeout = null)
    {
        ManagementUrl = managementUrl.EndsWith('/') ? managementUrl : managementUrl + "/";
        http = new HttpClient
        {
            BaseAddress = new Uri(ManagementUrl),
            Timeout = timeout ?? TimeSpan.FromSeconds(5),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{userName}:{password}")));
    }

    public string ManagementUrl { get; }

    /// <summary>
    /// The queues of the default virtual host, sorted by name; a broker that cannot be read gives an
    /// <see cref="BrokerQueueReadStatus.Unreachable"/> reading. Only <paramref name="cancellationToken"/> throws.
    /// </summary>
    public async Task<BrokerQueueReading> ReadAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await http.GetAsync(QueuesPath, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                // 503 while the node boots or stops; 401 with the wrong credentials.
                return BrokerQueueReading.Unreachable(
                    $"RabbitMQ management API at {ManagementUrl} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            return BrokerQueueReading.Read(Parse(document.RootElement));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return BrokerQueueReading.Unreachable($"RabbitMQ management API at {ManagementUrl} did not answer within {http.Timeout.TotalSeconds:0} s");
        }
        catch (ObjectDisposedException)
        {
            // Only in the moment the network is stopping.
            return BrokerQueueReading.Unreachable("RabbitMQ is stopping");
        }
        catch (HttpRequestException e)
        {
            return BrokerQueueReading.Unreachable($"RabbitMQ management API at {ManagementUrl} is unreachable: {e.Message}");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return BrokerQueueReading.Unreachable($"RabbitMQ management API at {ManagementUrl} gave an answer we cannot read: {e.Message}");
        }
    }

    /// <summary>
    /// Moves every message of a MassTransit <c>_error</c> (or <c>_skipped</c>) queue back to the queue it
    /// came from, with a shovel that deletes itself once it has moved what the queue held when it
    /// started: each message is acknowledged only after the broker confirmed it in its new queue, so a
    /// broker restart in between loses nothing. Returns false when <paramref name="deadLetterQueue"/> is
    /// not such a queue.
    /// </summary>
    public async Task<bool> MoveBackAsync(string deadLetterQueue, CancellationToken cancellationToken = default)
    {
        var source = new BrokerQueue(deadLetterQueue, 0, 0, 0, 0);
        if (!source.IsDeadLetterQueue)
        {
            return false;
        }
        var home = deadLetterQueue[..deadLetterQueue.LastIndexOf('_')];
        var shovel = new
        {
            value = new Dictionary<string, object>
            {
                ["src-protocol"] = "amqp091",
                ["src-uri"] = "amqp://",
                ["src-queue"] = deadLetterQueue,
                ["src-delete-after"] = "queue-length",
                ["dest-protocol"] = "amqp091",
                ["dest-uri"] = "amqp://",
                ["dest-queue"] = home,
                ["ack-mode"] = "on-confirm",
            },
        };
        var name = Uri.EscapeDataString("move-back-" + deadLetterQueue);
        using var response = await http.PutAsJsonAsync($"api/parameters/shovel/%2F/{name}", shovel, cancellationToken);
        response.EnsureSuccessStatusCode();
        return true;
    }

    public void Dispose() => http.Dispose();

    /// <summary>The JSON array of queue objects; a queue the statistics have not yet sampled lacks the counts, read as 0.</summary>
    private static IReadOnlyList<BrokerQueue> Parse(JsonElement queues)
    {
        if (queues.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"expected a JSON array of queues, got {queues.ValueKind}");
        }
        var list = new List<BrokerQueue>();
        foreach (var queue in queues.EnumerateArray())
        {
            if (!queue.TryGetProperty("name", out var name) || name.GetString() is not { } queueName)
            {
                continue;
            }
            list.Add(new BrokerQueue(
                queueName,
                Count(queue, "messages"),
                Count(queue, "messages_ready"),
                Count(queue, "messages_unacknowledged"),
                (int)Count(queue, "consumers")));
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    private static long Count(JsonElement queue, string property) =>
        queue.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count)
            ? count
            : 0;
}
