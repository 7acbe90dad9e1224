using System.Net.Http.Json;

namespace ReferralNetwork.Hosting;

/// <summary>
/// Declares a consumer's queue and its bindings through a RabbitMQ management HTTP API exactly as
/// MassTransit declares them when the consumer starts: a durable quorum queue; a fanout exchange of the
/// queue's name bound to it; and the fanout exchange of each message type it consumes bound to that
/// exchange. Declared before any service starts, a queue exists before anything is published to it, even
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
        using (var declared = await Http.PutAsJsonAsync($"api/queues/{VirtualHost}/{Name(queue)}",
            new { durable = true, auto_delete = false, arguments = new Dictionary<string, object> { ["x-queue-type"] = "quorum" } }, cancellationToken))
        {
            await EnsureSuccessAsync(declared, $"queue {queue}", cancellationToken);
        }
        await BindAsync(queue, "q", queue, cancellationToken);

        foreach (var exchange in messageExchanges)
        {
            await DeclareExchangeAsync(exchange, cancellationToken);
            await BindAsync(exchange, "e", queue, cancellationToken);
        }
    }

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
