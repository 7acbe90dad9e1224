using System.Collections.Concurrent;
using MassTransit;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.Hosting;
using ReferralNetwork.IntegrationTests.Infrastructure;

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
        // As AddMessaging configures every endpoint: a quorum queue.
        var endpoint = infrastructure.Bus.ConnectReceiveEndpoint(queue, e =>
        {
            if (e is MassTransit.IRabbitMqReceiveEndpointConfigurator rabbit)
            {
                rabbit.SetQuorumQueue();
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

    private static string Exchange<T>() => $"{typeof(T).Namespace}:{typeof(T).Name}";
}

public sealed record TopologyProbe(Guid Id);
