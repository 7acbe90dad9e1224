using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using ReferralNetwork.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// <c>--broker-nodes 3</c>: three RabbitMQ nodes clustered as the AppHost clusters them, and a client that
/// knows all three, lose nothing when the node leading a quorum queue dies.
/// </summary>
public sealed class BrokerClusterTests(ITestOutputHelper output)
{
    private const int BeforeTheKill = 300;
    private const int AfterTheKill = 300;

    [Fact]
    public async Task Killing_the_node_that_leads_a_quorum_queue_loses_no_confirmed_message_and_the_queue_is_served_again_through_the_other_nodes()
    {
        var directory = Path.Combine("/var/tmp/referral-network-tests", "cluster-" + Guid.NewGuid().ToString("N")[..8]);
        var clock = Stopwatch.StartNew();
        await using var cluster = await RabbitMqCluster.StartAsync(directory, 3, output.WriteLine);
        output.WriteLine($"cluster of 3 up after {clock.Elapsed.TotalSeconds:0.0} s");

        // The client the services are given: every node, tried in turn, and reconnecting by itself.
        var factory = new ConnectionFactory
        {
            UserName = RabbitMqCluster.UserName,
            Password = RabbitMqCluster.Password,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromMilliseconds(500),
            RequestedConnectionTimeout = TimeSpan.FromSeconds(3),
        };
        var nodes = cluster.Nodes.Select(n => new AmqpTcpEndpoint("127.0.0.1", n.AmqpPort)).ToList();
        await using var connection = await factory.CreateConnectionAsync(nodes, "cluster-test");
        var queue = "cluster-test-" + Guid.NewGuid().ToString("N")[..8];

        await using var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        // Declared through the client's own node, where a quorum queue's leader goes: the kill then takes both.
        await publisher.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        var connectedTo = cluster.Nodes.Single(n => n.AmqpPort == connection.Endpoint.Port);
        var survivor = cluster.Nodes.First(n => n != connectedTo);
        using (var api = survivor.Management())
        {
            var leader = await Eventually.GetAsync(async () => (await api.QueueReplicasAsync(queue)).Leader, "the queue's leader");
            var (members, _) = await api.QueueReplicasAsync(queue);
            Assert.Equal(cluster.Nodes.Select(n => n.Name).Order(), members.Order());
            Assert.Equal(connectedTo.Name, leader);
        }

        // Consumed all along, slower than published, acknowledged one by one: the queue still holds messages when its
        // leader dies, and what the dead node had delivered but not seen acknowledged comes again.
        var received = new ConcurrentQueue<(int Number, bool Redelivered)>();
        var killedAt = new Stopwatch();
        TimeSpan? reconnectedAfter = null;
        TimeSpan? deliveredAgainAfter = null;
        connection.RecoverySucceededAsync += (_, _) =>
        {
            reconnectedAfter ??= killedAt.Elapsed;
            return Task.CompletedTask;
        };
        await using var consumerChannel = await connection.CreateChannelAsync();
        await consumerChannel.BasicQosAsync(0, 20, false);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            received.Enqueue((int.Parse(Encoding.UTF8.GetString(delivery.Body.Span), CultureInfo.InvariantCulture), delivery.Redelivered));
            // Not what the client had buffered before the node died: a delivery from the queue's new leader.
            if (reconnectedAfter is not null)
            {
                deliveredAgainAfter ??= killedAt.Elapsed;
            }
            try
            {
                await Task.Delay(10);
                await consumerChannel.BasicAckAsync(delivery.DeliveryTag, false);
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException)
            {
                // The channel died with its node: unacknowledged, the message is delivered again.
            }
        };
        await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);

        var republished = new HashSet<int>();
        for (var number = 0; number < BeforeTheKill; number++)
        {
            await PublishAsync(publisher, queue, number, republished);
        }

        var consumedBeforeTheKill = received.Count;
        killedAt.Start();
        await cluster.KillAsync(connectedTo);
        TimeSpan? servedAgainAfter = null;
        for (var number = BeforeTheKill; number < BeforeTheKill + AfterTheKill; number++)
        {
            await PublishAsync(publisher, queue, number, republished);
            servedAgainAfter ??= killedAt.Elapsed;
        }

        const int All = BeforeTheKill + AfterTheKill;
        await Eventually.GetAsync(() => received.Select(r => r.Number).Distinct().Count() == All ? "all" : null,
            $"all {All} messages to be consumed through the cluster (got {received.Select(r => r.Number).Distinct().Count()})", seconds: 60);
        var everyMessageAfter = killedAt.Elapsed;

        var deliveries = received.ToList();
        var lost = Enumerable.Range(0, All).Except(deliveries.Select(d => d.Number)).Count();
        var duplicates = deliveries.GroupBy(d => d.Number).Where(g => g.Count() > 1).ToList();
        var redelivered = duplicates.Count(g => g.Skip(1).All(d => d.Redelivered));
        var republishedTwice = duplicates.Count(g => !g.Skip(1).All(d => d.Redelivered) && republished.Contains(g.Key));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"killed {connectedTo.Name} (leader, and the client's node) with {BeforeTheKill - consumedBeforeTheKill} of {BeforeTheKill} messages not yet consumed; reconnected after {reconnectedAfter?.TotalSeconds:0.00} s, first confirmed publish after {servedAgainAfter!.Value.TotalSeconds:0.00} s, " +
            $"first delivery after {deliveredAgainAfter?.TotalSeconds:0.00} s, " +
            $"every message consumed after {everyMessageAfter.TotalSeconds:0.00} s; {deliveries.Count} deliveries of {All} messages: " +
            $"{lost} lost, {redelivered} delivered again (redelivered flag), {republishedTwice} twice after an unconfirmed publish sent again ({republished.Count} sent again); " +
            $"test took {clock.Elapsed.TotalSeconds:0.0} s"));

        Assert.True(consumedBeforeTheKill < BeforeTheKill, "The queue was empty when its leader died, which proves nothing.");
        Assert.Equal(0, lost);
        // A copy is allowed only when the broker says so, or when the publisher could not know the first arrived.
        Assert.Equal(duplicates.Count, redelivered + republishedTwice);
        Assert.True(servedAgainAfter < TimeSpan.FromSeconds(30), $"The queue took {servedAgainAfter} to take messages again.");
        Assert.True(deliveredAgainAfter < TimeSpan.FromSeconds(30), $"The queue took {deliveredAgainAfter} to deliver messages again.");
        using (var api = survivor.Management())
        {
            var (_, leader) = await api.QueueReplicasAsync(queue);
            Assert.NotEqual(connectedTo.Name, leader);
        }
    }

    /// <summary>Publishes until the broker confirms it, again on whichever node the client has reconnected to.</summary>
    private static async Task PublishAsync(IChannel channel, string queue, int number, HashSet<int> republished)
    {
        var body = Encoding.UTF8.GetBytes(number.ToString(CultureInfo.InvariantCulture));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties { Persistent = true }, body, timeout.Token);
                return;
            }
            catch (Exception e) when (DateTime.UtcNow < deadline && e is RabbitMQ.Client.Exceptions.AlreadyClosedException
                or RabbitMQ.Client.Exceptions.PublishException or OperationCanceledException or IOException)
            {
                republished.Add(number);
                await Task.Delay(100);
            }
        }
    }
}
