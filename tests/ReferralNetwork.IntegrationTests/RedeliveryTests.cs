using System.Collections.Concurrent;
using Marten;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.Hosting;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.Messaging;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// A message whose transient failure outlasts the in-memory retries (about 8.6 s) waits on the broker
/// and is delivered again, instead of being parked in _error for an operator (issue 13 item 2).
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public sealed class RedeliveryTests(RealInfrastructure infrastructure) : IDisposable
{
    private const string Inbox = "communityproviders-inbox";

    private readonly BrokerQueues queues = infrastructure.Broker.QueuesReader();

    public void Dispose() => queues.Dispose();

    [Fact]
    public async Task A_withdrawal_that_overtook_its_onward_referral_by_more_than_the_retries_waits_for_it_and_is_applied()
    {
        var provider = Guid.NewGuid();
        var requested = new OnwardReferralRequested(
            Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.NewGuid(), Guid.NewGuid(), "Walking group", provider, "Green Steps", ["physical-activity"],
            "Prefers mornings", new OnwardReferralPerson("Ada", "Lovelace", "07700900123", null, "phone", "en", null), DateTimeOffset.UtcNow);
        var withdrawn = new OnwardReferralWithdrawn(
            requested.OnwardReferralId, requested.ReferralId, requested.LinkWorkerServiceId, provider, "person-declined", DateTimeOffset.UtcNow);
        var errorsBefore = await MessagesInAsync(Inbox + "_error");

        await infrastructure.PublishAsync(withdrawn, Guid.NewGuid());
        // Once every in-memory retry failed, it left the queue: before, for _error; now, to wait.
        await Eventually.GetAsync(async () =>
            await MessagesInAsync(Inbox) == 0 && await MessagesInAsync(WaitingRoom.WaitQueueOf(Inbox)) + await MessagesInAsync(Inbox + "_error") > errorsBefore
                ? "left" : null, "the withdrawal to leave its queue after its retries", seconds: 60);
        await infrastructure.PublishAsync(requested, Guid.NewGuid());

        var store = infrastructure.CommunityProviders.Services.GetRequiredService<IDocumentStore>();
        var cancelled = await Eventually.GetAsync(async () =>
        {
            await using var session = store.QuerySession();
            var referral = await session.LoadAsync<ProviderReferral>(requested.OnwardReferralId);
            return referral is { Status: OnwardReferralStatus.Cancelled } ? referral : null;
        }, "the withdrawal applied after the onward referral arrived", seconds: 60);
        Assert.Equal(OnwardReferralStatus.Cancelled, cancelled.Status);

        // The broker samples queue depths every second.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(errorsBefore, await MessagesInAsync(Inbox + "_error"));
    }

    [Fact]
    public async Task A_failure_that_never_clears_waits_as_often_as_allowed_then_goes_to_error_and_a_broken_rule_goes_there_at_once()
    {
        // Signed in like a service: its own broker user, which may touch only the names under its prefix.
        var user = "redeliveries-" + Guid.NewGuid().ToString("N")[..8];
        var password = Guid.NewGuid().ToString("N");
        var own = $"^{user}-.*$";
        using var users = new BrokerUsers(infrastructure.Broker.ManagementUrl!, RabbitMqBroker.UserName, RabbitMqBroker.Password);
        await users.EnsureUserAsync(user, password, new BrokerPermissions(own, own, own));

        var queue = $"{user}-probe";
        var deliveries = new ConcurrentQueue<(string Kind, int Redelivery)>();
        var options = new MessagingOptions { Redeliveries = 2, RedeliveryDelay = TimeSpan.FromSeconds(1) };
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri($"amqp://{user}:{password}@127.0.0.1:{infrastructure.Broker.Port}/"));
            cfg.OverrideDefaultBusEndpointQueueName($"{user}-bus");
            cfg.ReceiveEndpoint(queue, e =>
            {
                e.ConfigureConsumeTopology = false;
                e.PublishFaults = false;
                e.SetQuorumQueue();
                new WaitingRoom(options, NullLogger<WaitingRoom>.Instance, meters.GetRequiredService<IMeterFactory>()).Around(e);
                e.Handler<RedeliveryProbe>(context =>
                {
                    deliveries.Enqueue((context.Message.Kind, WaitingRoom.RedeliveryOf(context)));
                    throw context.Message.Kind == "transient" ? new TimeoutException("The database did not answer.") : new InvalidOperationException("Not allowed.");
                });
            });
        });
        using (var starting = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await bus.StartAsync(starting.Token);
        }
        try
        {
            // To its exchange: a send to queue:… would declare the queue as a classic one and be refused.
            var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{queue}"));
            await endpoint.Send(new RedeliveryProbe("transient"));
            await endpoint.Send(new RedeliveryProbe("broken-rule"));

            await Eventually.GetAsync(async () => await MessagesInAsync(queue + "_error") == 2 ? "both" : null, "both messages in _error", seconds: 30);
            Assert.Equal([0, 1, 2], deliveries.Where(d => d.Kind == "transient").Select(d => d.Redelivery));
            Assert.Equal([0], deliveries.Where(d => d.Kind == "broken-rule").Select(d => d.Redelivery));
            Assert.Equal(0, await MessagesInAsync(WaitingRoom.WaitQueueOf(queue)));
        }
        finally
        {
            await bus.StopAsync();
            await users.DeleteUserAsync(user);
        }
    }

    private async Task<long> MessagesInAsync(string queue)
    {
        var reading = await queues.ReadAsync();
        Assert.True(reading.Succeeded, reading.Problem);
        return reading.Queues.FirstOrDefault(q => q.Name == queue)?.Messages ?? 0;
    }
}

public sealed record RedeliveryProbe(string Kind);
