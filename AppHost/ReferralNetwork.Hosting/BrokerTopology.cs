using System.Net.Http.Json;

namespace ReferralNetwork.Hosting;

/// <summary>
/// Declares a consumer's queue and its bindings through a RabbitMQ management HTTP API exactly as
/// MassTransit declares them when the consumer starts: a durable quorum queue with the arguments of the
/// services' <c>ConsumerQueue</c>; a fanout exchange of the queue's name bound to it; and the fanout exchange
/// of each message type it consumes bound to that exchange. Its _error queue too, where what is dead-lettered goes. Declared before any service starts, a queue exists before anything is published to it, even
/// for a consumer that has never run: a mandatory publish is then routed to every queue that will consume
/// it, not just to those already there. Every call is idempotent; an argument MassTransit would declare
/// differently is refused by the broker (406 inequivalent argument), so a drift cannot go unnoticed.
/// </summary>
public sealed class BrokerTopology(string managementUrl, string administrator, string password, TimeSpan? timeout = null)
    : ManagementApiClient(managementUrl, administrator, password, timeout)
{
    private const string VirtualHost = "%2F";

    /// <param name="queue">The receive endpoint's queue, e.g. <c>linkworkers-routing</c>.</param>
    /// <param name="messageExchanges">The exchange of each message type consumed there, e.g. <c>ReferralNetwork.Contracts.Referrals:ReferralRequested</c>.</param>
    public async Task DeclareConsumerQueueAsync(string queue, IEnumerable<string> messageExchanges, CancellationToken cancellationToken = default)
    {
        await DeclareExchangeAsync(queue, cancellationToken);
        await DeclareQueueAsync(queue, ConsumerQueueArguments(queue), cancellationToken);
        await BindAsync(queue, "q", queue, cancellationToken);

        // Where the queue dead-letters to, as the services lay out an error queue (ConsumerQueue.AsDeadLetterQueue):
        // an exchange bound to a plain quorum queue, so either may declare it first.
        var errors = $"{queue}_error";
        await DeclareExchangeAsync(errors, cancellationToken);
        await DeclareQueueAsync(errors, new() { ["x-queue-type"] = "quorum" }, cancellationToken);
        await BindAsync(errors, "q", errors, cancellationToken);

        foreach (var exchange in messageExchanges)
        {
            await DeclareExchangeAsync(exchange, cancellationToken);
            await BindAsync(exchange, "e", queue, cancellationToken);
        }
    }

    /// <summary>
    /// The services' <c>ReferralNetwork.Messaging.ConsumerQueue.Arguments</c>, which this project does not
    /// reference; <c>BrokerTopologyTests</c> declares a running service's queue with these, which the broker
    /// accepts only if they are the same.
    /// </summary>
    public static Dictionary<string, object> ConsumerQueueArguments(string queue) => new()
    {
        ["x-queue-type"] = "quorum",
        ["x-single-active-consumer"] = true,
        ["x-delivery-limit"] = 20,
        ["x-dead-letter-exchange"] = $"{queue}_error",
        ["x-dead-letter-strategy"] = "at-least-once",
        ["x-overflow"] = "reject-publish",
    };

    /// <summary>
    /// Declares the queue; one declared by an earlier version with other arguments, which cannot be changed in
    /// place, is declared again only if it is empty and unconsumed, and otherwise named in the error so an
    /// operator can drain it first: nothing in it is ever deleted.
    /// </summary>
    private async Task DeclareQueueAsync(string queue, Dictionary<string, object> arguments, CancellationToken cancellationToken)
    {
        var declaration = new { durable = true, auto_delete = false, arguments };
        using (var declared = await Http.PutAsJsonAsync(QueueUrl(queue), declaration, cancellationToken))
        {
            if (declared.StatusCode != System.Net.HttpStatusCode.BadRequest)
            {
                await EnsureSuccessAsync(declared, $"queue {queue}", cancellationToken);
                return;
            }
        }

        // The broker reports a queue's counts a moment after it starts or declares it; an unreported count is not zero.
        QueueState existing;
        var giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((existing = await Http.GetFromJsonAsync<QueueState>(QueueUrl(queue), cancellationToken)
                   ?? throw new InvalidOperationException($"Queue {queue} was refused and cannot be read.")) is { Messages: null } or { Consumers: null }
               && DateTime.UtcNow < giveUp)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
        if (existing.Messages is not 0 || existing.Consumers is not 0)
        {
            throw new InvalidOperationException(
                $"Queue {queue} was declared by an earlier version with other arguments; it holds {Count(existing.Messages)} message(s) " +
                $"and has {Count(existing.Consumers)} consumer(s). Stop its service, let it drain or move its messages, then start again (README, \"Upgrading\").");
        }
        // Quorum queues offer no if-empty delete; the AppHost declares queues before any of its services starts
        // (and on a broker restart, when they already match), so nothing publishes between the count and this.
        using (var deleted = await Http.DeleteAsync(QueueUrl(queue), cancellationToken))
        {
            await EnsureSuccessAsync(deleted, $"deleting the empty earlier queue {queue}", cancellationToken);
        }
        using var redeclared = await Http.PutAsJsonAsync(QueueUrl(queue), declaration, cancellationToken);
        await EnsureSuccessAsync(redeclared, $"queue {queue}", cancellationToken);
    }

    private static string Count(long? reported) => reported?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "an unknown number of";

    private static string QueueUrl(string queue) => $"api/queues/{VirtualHost}/{Name(queue)}";

    private sealed record QueueState(
        [property: System.Text.Json.Serialization.JsonPropertyName("messages")] long? Messages,
        [property: System.Text.Json.Serialization.JsonPropertyName("consumers")] int? Consumers);

    private async Task DeclareExchangeAsync(string exchange, CancellationToken cancellationToken)
    {
        using var declared = await Http.PutAsJsonAsync($"api/exchanges/{VirtualHost}/{Name(exchange)}",
            new { type = "fanout", durable = true, auto_delete = false, @internal = false, arguments = new Dictionary<string, object>() }, cancellationToken);
        await EnsureSuccessAsync(declared, $"exchange {exchange}", cancellationToken);
    }

    /// <param name="kind"><c>q</c> to bind into a queue, <c>e</c> into an exchange.</param>
    private async Task BindAsync(string source, string kind, string destination, CancellationToken cancellationToken)
    {
        using var bound = await Http.PostAsJsonAsync($"api/bindings/{VirtualHost}/e/{Name(source)}/{kind}/{Name(destination)}",
            new { routing_key = "", arguments = new Dictionary<string, object>() }, cancellationToken);
        await EnsureSuccessAsync(bound, $"binding {source} to {destination}", cancellationToken);
    }

    private static string Name(string name) => Uri.EscapeDataString(name);
}
