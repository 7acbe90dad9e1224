using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.Hosting;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.Messaging;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// The AppHost declares every consumer's queue before any service starts (issue 13 item 3), so an event
/// published before its consumer has ever run waits in the queue rather than being dropped, and the
/// declaration matches MassTransit's own, or the consumer could not start on it.
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public sealed class BrokerTopologyTests(RealInfrastructure infrastructure) : IDisposable
{
    private readonly BrokerTopology topology = new(infrastructure.Broker.ManagementUrl!, RabbitMqBroker.UserName, RabbitMqBroker.Password);

    public void Dispose() => topology.Dispose();

    [Fact]
    public async Task A_message_published_before_its_consumer_ever_ran_waits_in_the_declared_queue_and_the_consumer_starts_on_it()
    {
        var queue = "broker-topology-tests-" + Guid.NewGuid().ToString("N")[..8];
        await topology.DeclareConsumerQueueAsync(queue, [Exchange<TopologyProbe>()]);
        var probe = new TopologyProbe(Guid.NewGuid());
        await infrastructure.Bus.Publish(probe);

        var received = new ConcurrentQueue<Guid>();
        // As AddMessaging configures every endpoint.
        var endpoint = infrastructure.Bus.ConnectReceiveEndpoint(queue, e =>
        {
            if (e is MassTransit.IRabbitMqReceiveEndpointConfigurator rabbit)
            {
                ConsumerQueue.Configure(rabbit, queue);
            }
            e.Handler<TopologyProbe>(context =>
            {
                received.Enqueue(context.Message.Id);
                return Task.CompletedTask;
            });
        });
        try
        {
            await endpoint.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            var id = await Eventually.GetAsync(() => Task.FromResult(received.TryPeek(out var first) ? (Guid?)first : null), "the early message consumed", seconds: 30);
            Assert.Equal(probe.Id, id);
        }
        finally
        {
            await endpoint.StopAsync();
        }
    }

    [Fact]
    public async Task Declaring_a_running_services_queue_again_is_accepted_so_the_arguments_are_the_ones_MassTransit_uses()
    {
        // The link-worker service declared this queue when it started; any different argument would be refused (406).
        await topology.DeclareConsumerQueueAsync("linkworkers-routing",
            [Exchange<ReferralRequested>(), Exchange<ReferralCancelled>(), Exchange<Contracts.Organisations.OrganisationRegistered>()]);
    }

    [Fact]
    public async Task Two_instances_on_one_queue_take_turns_and_the_queues_MassTransit_declared_are_declared_alike_by_the_AppHost()
    {
        var queue = "broker-topology-tests-" + Guid.NewGuid().ToString("N")[..8];
        var received = new ConcurrentQueue<(string Instance, Guid Id)>();
        var first = await StartInstanceAsync("first", queue, received);
        var second = await StartInstanceAsync("second", queue, received);
        try
        {
            // A failure first, so MassTransit itself declares the error queue, as the services configure it.
            var endpoint = await first.GetSendEndpoint(new Uri($"exchange:{queue}"));
            await endpoint.Send(new TopologyProbe(Guid.Empty));
            using (var queues = infrastructure.Broker.QueuesReader())
            {
                await Eventually.GetAsync(async () =>
                {
                    var reading = await queues.ReadAsync();
                    return reading.Queues.FirstOrDefault(q => q.Name == ConsumerQueue.ErrorQueueOf(queue))?.Messages == 1 ? "moved" : null;
                }, "the failed probe in the error queue", seconds: 30);
            }
            // The AppHost's declaration of both, after MassTransit's: any other argument would be refused, and
            // neither queue may be recreated (one has consumers, the other a message).
            await topology.DeclareConsumerQueueAsync(queue, [Exchange<TopologyProbe>()]);
            // An operator can look at what failed (the management page's "Get messages", refused on a single-active-consumer queue).
            using (var http = new HttpClient { BaseAddress = new Uri(infrastructure.Broker.ManagementUrl!) })
            {
                http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{RabbitMqBroker.UserName}:{RabbitMqBroker.Password}")));
                using var peeked = await http.PostAsJsonAsync($"api/queues/%2F/{ConsumerQueue.ErrorQueueOf(queue)}/get",
                    new { count = 1, ackmode = "ack_requeue_true", encoding = "auto" });
                Assert.True(peeked.IsSuccessStatusCode, await peeked.Content.ReadAsStringAsync());
            }

            var probes = Enumerable.Range(0, 10).Select(_ => new TopologyProbe(Guid.NewGuid())).ToList();
            foreach (var probe in probes)
            {
                await infrastructure.Bus.Publish(probe);
            }
            await Eventually.GetAsync(() => Task.FromResult(received.Count >= 10 ? "all" : null), "every probe consumed", seconds: 30);
            // One active consumer per queue: whichever instance the broker chose had them all (in any order here,
            // without the services' StreamOrder).
            var active = Assert.Single(received.Select(r => r.Instance).Distinct());
            Assert.Equal(probes.Select(p => p.Id).Order(), received.Select(r => r.Id).Order());

            // The active instance goes; the other takes over.
            await (active == "first" ? first : second).StopAsync();
            var later = new TopologyProbe(Guid.NewGuid());
            await infrastructure.Bus.Publish(later);
            var takenBy = await Eventually.GetAsync(
                () => Task.FromResult<string?>(received.FirstOrDefault(r => r.Id == later.Id).Instance), "the standby instance to take over", seconds: 30);
            Assert.NotEqual(active, takenBy);
        }
        finally
        {
            await first.StopAsync();
            await second.StopAsync();
        }
    }

    [Fact]
    public async Task A_queue_an_earlier_version_declared_is_recreated_only_when_empty_and_otherwise_kept_with_what_it_holds()
    {
        using var http = new HttpClient { BaseAddress = new Uri(infrastructure.Broker.ManagementUrl!) };
        http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{RabbitMqBroker.UserName}:{RabbitMqBroker.Password}")));
        async Task DeclareAsEarlierVersionAsync(string queue) =>
            (await http.PutAsJsonAsync($"api/queues/%2F/{queue}", new { durable = true, auto_delete = false, arguments = new Dictionary<string, object> { ["x-queue-type"] = "quorum" } }))
                .EnsureSuccessStatusCode();
        async Task<JsonElement> QueueAsync(string queue) => await http.GetFromJsonAsync<JsonElement>($"api/queues/%2F/{queue}");

        var empty = "broker-topology-tests-" + Guid.NewGuid().ToString("N")[..8];
        await DeclareAsEarlierVersionAsync(empty);
        await topology.DeclareConsumerQueueAsync(empty, []);
        Assert.True((await QueueAsync(empty)).GetProperty("arguments").GetProperty("x-single-active-consumer").GetBoolean());

        var holding = "broker-topology-tests-" + Guid.NewGuid().ToString("N")[..8];
        await DeclareAsEarlierVersionAsync(holding);
        (await http.PostAsJsonAsync("api/exchanges/%2F/amq.default/publish",
            new { properties = new { }, routing_key = holding, payload = "a message still waiting", payload_encoding = "string" })).EnsureSuccessStatusCode();
        await Eventually.GetAsync(async () => (await QueueAsync(holding)).TryGetProperty("messages", out var count) && count.GetInt64() == 1 ? "counted" : null,
            "the broker to count the waiting message", seconds: 30);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => topology.DeclareConsumerQueueAsync(holding, []));
        Assert.Contains("holds 1 message", refused.Message);
        var kept = await QueueAsync(holding);
        Assert.Equal(1, kept.GetProperty("messages").GetInt64());
        Assert.False(kept.GetProperty("arguments").TryGetProperty("x-single-active-consumer", out _));
    }

    /// <summary>A bus of its own, as another instance of a service is, consuming <paramref name="queue"/> as AddMessaging configures it.</summary>
    private async Task<IBusControl> StartInstanceAsync(string instance, string queue, ConcurrentQueue<(string Instance, Guid Id)> received)
    {
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri(infrastructure.Broker.ConnectionString));
            cfg.SendTopology.ConfigureErrorSettings = ConsumerQueue.AsDeadLetterQueue;
            cfg.ReceiveEndpoint(queue, e =>
            {
                e.ConfigureConsumeTopology = false;
                e.PublishFaults = false;
                ConsumerQueue.Configure(e, queue);
                e.Handler<TopologyProbe>(context =>
                {
                    if (context.Message.Id == Guid.Empty)
                    {
                        throw new InvalidOperationException("A probe that always fails.");
                    }
                    received.Enqueue((instance, context.Message.Id));
                    return Task.CompletedTask;
                });
            });
        });
        using var starting = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await bus.StartAsync(starting.Token);
        return bus;
    }

    private static string Exchange<T>() => $"{typeof(T).Namespace}:{typeof(T).Name}";
}

public sealed record TopologyProbe(Guid Id);
