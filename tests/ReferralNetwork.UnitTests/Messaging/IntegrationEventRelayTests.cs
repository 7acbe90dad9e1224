using System.Diagnostics.Metrics;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using ReferralNetwork.Messaging;

namespace ReferralNetwork.UnitTests.Messaging;

public class IntegrationEventRelayTests
{
    private sealed record Published(string Name);

    private sealed class Map : IIntegrationEventMap
    {
        public object? ToIntegrationEvent(IEvent @event) => new Published(((Published)@event.Data).Name);
    }

    private sealed class Meters : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }

    private static bool IsBad(object message) => message is Published { Name: "bad" };

    private static IEvent Event(string name, long sequence) => new JasperFx.Events.Event<Published>(new Published(name)) { Id = Guid.NewGuid(), Sequence = sequence };

    private static IntegrationEventRelay Relay(IBus bus) => new(bus, new Map(), NullLogger<IntegrationEventRelay>.Instance,
        Options.Create(new RelayOptions { FirstRetryAfter = TimeSpan.FromMilliseconds(1), LongestRetryAfter = TimeSpan.FromMilliseconds(2), AttemptsBeforeSettingAside = 3 }),
        new Meters());

    private static async Task<List<object>> RunAsync(IBus bus, IDocumentOperations operations, params IEvent[] events)
    {
        var range = new EventRange(Substitute.For<ISubscriptionAgent>(), 0, events.Length) { Events = [.. events] };
        await Relay(bus).ProcessEventsAsync(range, Substitute.For<ISubscriptionController>(), operations, CancellationToken.None);
        return bus.ReceivedCalls().Where(c => c.GetMethodInfo().Name == nameof(IBus.Publish)).Select(c => c.GetArguments()[0]!).ToList();
    }

    // Before, the relay tried the bad event for ever: the timeout turns that into a failure.
    [Fact(Timeout = 10_000)]
    public async Task An_event_the_broker_refuses_on_its_own_is_set_aside_and_the_next_events_go_on()
    {
        var bus = Substitute.For<IBus>();
        bus.Publish(Arg.Is<object>(m => IsBad(m)), Arg.Any<Type>(), Arg.Any<IPipe<PublishContext>>(), Arg.Any<CancellationToken>())
            .Returns(Task.FromException(new MassTransit.PublishException("failed", new System.Text.Json.JsonException("cannot serialise"))));
        var operations = Substitute.For<IDocumentOperations>();
        var bad = Event("bad", 2);

        var published = await RunAsync(bus, operations, Event("first", 1), bad, Event("third", 3));

        Assert.Equal(["first", "bad", "bad", "bad", "third"], published.Cast<Published>().Select(p => p.Name));
        operations.Received(1).Store(Arg.Is<UnpublishedEvent>(u => u.Id == bad.Id && u.Sequence == 2 && u.Attempts == 3 && u.Error.Contains("cannot serialise")));
    }

    [Fact]
    public async Task Through_an_outage_the_same_event_is_tried_until_it_goes_and_nothing_is_set_aside()
    {
        var bus = Substitute.For<IBus>();
        var failures = 0;
        bus.Publish(Arg.Any<object>(), Arg.Any<Type>(), Arg.Any<IPipe<PublishContext>>(), Arg.Any<CancellationToken>())
            .Returns(_ => ++failures <= 6 ? Task.FromException(new MessageReturnedException("no route", new InvalidOperationException("NO_ROUTE"))) : Task.CompletedTask);
        var operations = Substitute.For<IDocumentOperations>();

        var published = await RunAsync(bus, operations, Event("only", 1));

        Assert.Equal(7, published.Count);
        operations.DidNotReceive().Store(Arg.Any<UnpublishedEvent>());
    }

    [Theory]
    [InlineData(typeof(TimeoutException), false)]
    [InlineData(typeof(OperationCanceledException), false)]
    [InlineData(typeof(InvalidOperationException), false)]
    [InlineData(typeof(ObjectDisposedException), false)]
    [InlineData(typeof(System.Text.Json.JsonException), true)]
    [InlineData(typeof(NotSupportedException), true)]
    public void Only_what_fails_this_event_alone_is_its_own_failure_anything_else_an_outage(Type exception, bool own) =>
        Assert.Equal(own, PublishFailures.IsTheEventsOwn(exception == typeof(ObjectDisposedException) ? new ObjectDisposedException("channel") : (Exception)Activator.CreateInstance(exception)!));

    [Fact]
    public void The_broker_refusing_access_is_the_events_own_failure_and_a_lost_connection_an_outage()
    {
        var refused = new RabbitMQ.Client.Exceptions.OperationInterruptedException(
            new RabbitMQ.Client.Events.ShutdownEventArgs(RabbitMQ.Client.ShutdownInitiator.Peer, 403, "ACCESS_REFUSED"));
        var lost = new RabbitMQ.Client.Exceptions.OperationInterruptedException(
            new RabbitMQ.Client.Events.ShutdownEventArgs(RabbitMQ.Client.ShutdownInitiator.Peer, 320, "CONNECTION_FORCED"));
        Assert.True(PublishFailures.IsTheEventsOwn(new MassTransit.PublishException("failed", refused)));
        Assert.False(PublishFailures.IsTheEventsOwn(new MassTransit.PublishException("failed", lost)));
    }
}
