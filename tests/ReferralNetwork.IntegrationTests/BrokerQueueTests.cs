using System.Text;
using MassTransit;
using RabbitMQ.Client;
using ReferralNetwork.Hosting;
using ReferralNetwork.IntegrationTests.Infrastructure;

namespace ReferralNetwork.IntegrationTests;

/// <summary>The AppHost's reader of queue depths against the tests' own RabbitMQ and its management API.</summary>
[Collection(RealInfrastructureCollection.Name)]
public sealed class BrokerQueueTests(RealInfrastructure infrastructure) : IDisposable
{
    private readonly BrokerQueues reader = infrastructure.Broker.QueuesReader();

    public void Dispose() => reader.Dispose();

    [Fact]
    public void The_management_api_listens_on_loopback_only()
    {
        Assert.StartsWith("http://127.0.0.1:", infrastructure.Broker.ManagementUrl);
        Assert.Equal(reader.ManagementUrl, infrastructure.Broker.ManagementUrl);
    }

    [Fact]
    public async Task Messages_waiting_in_a_queue_are_reported_as_its_depth()
    {
        var queue = "broker-queue-tests-depth-" + Guid.NewGuid().ToString("N")[..8];
        await using var connection = await new ConnectionFactory { Uri = new Uri(infrastructure.Broker.ConnectionString) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await channel.BasicPublishAsync("", queue, Encoding.UTF8.GetBytes($"message {i}"));
            }

            // The broker samples queue statistics every second, so the depth shows up shortly after.
            var reported = await Eventually.GetAsync(
                async () => (await reader.ReadAsync()).Queues.FirstOrDefault(q => q.Name == queue && q.Messages == 3),
                $"{queue} reported with 3 messages", seconds: 15);

            Assert.Equal(3, reported.Ready);
            Assert.Equal(0, reported.Unacknowledged);
            Assert.Equal(0, reported.Consumers);
            Assert.False(reported.IsDeadLetterQueue);
        }
        finally
        {
            await channel.QueueDeleteAsync(queue);
        }
    }

    [Fact]
    public async Task A_message_whose_consumer_always_throws_is_reported_in_its_error_queue()
    {
        var queue = "broker-queue-tests-failing-" + Guid.NewGuid().ToString("N")[..8];
        var endpoint = infrastructure.Bus.ConnectReceiveEndpoint(queue, e =>
            e.Handler<BrokerQueueProbe>(_ => throw new InvalidOperationException("This consumer always fails.")));
        try
        {
            await endpoint.Ready;
            var sendEndpoint = await infrastructure.Bus.GetSendEndpoint(new Uri($"queue:{queue}"));
            await sendEndpoint.Send(new BrokerQueueProbe(Guid.NewGuid()));

            // Statistics are sampled per queue, so the consumer count may show a sample after the error's message.
            var reading = await Eventually.GetAsync(
                async () => await reader.ReadAsync() is { } r
                    && r.Queues.Any(q => q.Name == queue + "_error" && q.Messages == 1)
                    && r.Queues.Any(q => q.Name == queue && q.Consumers == 1) ? r : null,
                $"{queue}_error reported with 1 message and {queue} with its consumer", seconds: 15);

            var error = Assert.Single(reading.Queues, q => q.Name == queue + "_error");
            Assert.True(error.IsErrorQueue);
            Assert.True(error.IsDeadLetterQueue);
            Assert.Equal(1, error.Ready);
            Assert.True(reading.DeadLetterMessages >= 1);
            var consumed = Assert.Single(reading.Queues, q => q.Name == queue);
            Assert.False(consumed.IsDeadLetterQueue);
            Assert.Equal(0, consumed.Messages);
            Assert.Equal(1, consumed.Consumers);
        }
        finally
        {
            await endpoint.StopAsync();
            await using var connection = await new ConnectionFactory { Uri = new Uri(infrastructure.Broker.ConnectionString) }.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue);
            await channel.QueueDeleteAsync(queue + "_error");
        }
    }

    [Fact]
    public async Task Failed_messages_moved_back_return_to_their_own_queue_all_of_them_with_their_bodies()
    {
        var queue = "broker-queue-tests-move-" + Guid.NewGuid().ToString("N")[..8];
        await using var connection = await new ConnectionFactory { Uri = new Uri(infrastructure.Broker.ConnectionString) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync(queue + "_error", durable: true, exclusive: false, autoDelete: false);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await channel.BasicPublishAsync("", queue + "_error", Encoding.UTF8.GetBytes($"failed {i}"));
            }

            Assert.False(await reader.MoveBackAsync(queue), "only _error and _skipped queues move back");
            Assert.True(await reader.MoveBackAsync(queue + "_error"));

            await Eventually.GetAsync(
                async () => (await reader.ReadAsync()).Queues is var queues
                    && queues.Any(q => q.Name == queue && q.Messages == 3) && queues.Any(q => q.Name == queue + "_error" && q.Messages == 0) ? "moved" : null,
                $"three messages moved from {queue}_error to {queue}", seconds: 20);
            var bodies = new List<string>();
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
            {
                bodies.Add(Encoding.UTF8.GetString(message.Body.Span));
            }
            Assert.Equal(["failed 0", "failed 1", "failed 2"], bodies);
        }
        finally
        {
            await channel.QueueDeleteAsync(queue);
            await channel.QueueDeleteAsync(queue + "_error");
        }
    }

    [Fact]
    public async Task A_management_api_nobody_answers_on_gives_an_unreachable_reading()
    {
        using var nowhere = new BrokerQueues($"http://127.0.0.1:{LoopbackPorts.FindFree()}/", RabbitMqBroker.UserName, RabbitMqBroker.Password);

        var reading = await nowhere.ReadAsync();

        Assert.Equal(BrokerQueueReadStatus.Unreachable, reading.Status);
        Assert.False(reading.Succeeded);
        Assert.Empty(reading.Queues);
        Assert.Contains("unreachable", reading.Problem);
    }

    [Fact]
    public async Task Wrong_credentials_give_an_unreachable_reading_that_names_the_answer()
    {
        using var stranger = new BrokerQueues(infrastructure.Broker.ManagementUrl!, RabbitMqBroker.UserName, "not-the-password");

        var reading = await stranger.ReadAsync();

        Assert.Equal(BrokerQueueReadStatus.Unreachable, reading.Status);
        Assert.Contains("401", reading.Problem);
    }

    [Fact]
    public async Task A_message_nothing_on_the_endpoint_consumes_is_reported_in_its_skipped_queue()
    {
        var queue = "broker-queue-tests-skipping-" + Guid.NewGuid().ToString("N")[..8];
        var endpoint = infrastructure.Bus.ConnectReceiveEndpoint(queue, e => e.Handler<BrokerQueueProbe>(_ => Task.CompletedTask));
        try
        {
            await endpoint.Ready;
            var sendEndpoint = await infrastructure.Bus.GetSendEndpoint(new Uri($"queue:{queue}"));
            await sendEndpoint.Send(new UnexpectedBrokerQueueProbe(Guid.NewGuid()));

            var skipped = await Eventually.GetAsync(
                async () => (await reader.ReadAsync()).Queues.FirstOrDefault(q => q.Name == queue + "_skipped" && q.Messages == 1),
                $"{queue}_skipped reported with 1 message", seconds: 15);

            Assert.True(skipped.IsSkippedQueue);
            Assert.False(skipped.IsErrorQueue);
            Assert.True(skipped.IsDeadLetterQueue);
        }
        finally
        {
            await endpoint.StopAsync();
            await using var connection = await new ConnectionFactory { Uri = new Uri(infrastructure.Broker.ConnectionString) }.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue);
            await channel.QueueDeleteAsync(queue + "_skipped");
        }
    }
}

/// <summary>A message only these tests send.</summary>
public sealed record BrokerQueueProbe(Guid Id);

/// <summary>A message no endpoint in these tests consumes.</summary>
public sealed record UnexpectedBrokerQueueProbe(Guid Id);
