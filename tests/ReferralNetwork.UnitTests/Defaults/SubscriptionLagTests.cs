using System.Diagnostics.Metrics;
using Marten;
using Marten.Events;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging;

namespace ReferralNetwork.UnitTests.Defaults;

public class SubscriptionLagTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private const string Relay = "integration-event-relay";
    private const string Feed = "partner-feed";

    private static SubscriptionLagReading Read(SubscriptionLagReading? previous, DateTimeOffset at, long highest, params (string Shard, long Progress)[] shards) =>
        SubscriptionLagWatcher.Next(previous, at, highest, shards.ToDictionary(s => s.Shard, s => s.Progress));

    private static SubscriptionLagReading ReadRelay(SubscriptionLagReading? previous, DateTimeOffset at, long highest, long progress) =>
        Read(previous, at, highest, ($"{Relay}:All", progress));

    [Fact]
    public void A_subscription_at_the_head_of_the_log_has_no_lag_and_is_not_waiting()
    {
        var reading = ReadRelay(null, T0, highest: 40, progress: 40);

        Assert.Equal(T0, reading.ReadAt);
        Assert.Equal(40, reading.HighestSequence);
        Assert.Equal(new SubscriptionLag(Relay, 40, 0, null), Assert.Single(reading.Subscriptions));
    }

    [Fact]
    public void Events_first_seen_waiting_are_waiting_since_that_reading()
    {
        Assert.Equal(new SubscriptionLag(Relay, 40, 5, T0), Assert.Single(ReadRelay(null, T0, 45, 40).Subscriptions));

        var caughtUp = ReadRelay(null, T0, 40, 40);
        var later = T0.AddSeconds(5);
        Assert.Equal(new SubscriptionLag(Relay, 40, 5, later), Assert.Single(ReadRelay(caughtUp, later, 45, 40).Subscriptions));
    }

    [Fact]
    public void The_wait_is_carried_over_while_progress_stays_put_even_as_more_events_arrive()
    {
        var first = ReadRelay(null, T0, 45, 40);
        var second = ReadRelay(first, T0.AddSeconds(5), 50, 40);
        var third = ReadRelay(second, T0.AddSeconds(10), 60, 40);

        Assert.Equal(new SubscriptionLag(Relay, 40, 20, T0), Assert.Single(third.Subscriptions));
    }

    [Fact]
    public void Advancing_while_still_behind_starts_the_wait_again()
    {
        var first = ReadRelay(null, T0, 45, 40);
        var advanced = ReadRelay(first, T0.AddSeconds(5), 50, 44);

        Assert.Equal(new SubscriptionLag(Relay, 44, 6, T0.AddSeconds(5)), Assert.Single(advanced.Subscriptions));
    }

    [Fact]
    public void Catching_up_ends_the_wait_and_a_later_event_starts_a_new_one()
    {
        var waiting = ReadRelay(null, T0, 45, 40);
        var caughtUp = ReadRelay(waiting, T0.AddSeconds(5), 45, 45);
        var again = ReadRelay(caughtUp, T0.AddSeconds(10), 46, 45);

        Assert.Null(Assert.Single(caughtUp.Subscriptions).WaitingSince);
        Assert.Equal(T0.AddSeconds(10), Assert.Single(again.Subscriptions).WaitingSince);
    }

    [Fact]
    public void Each_subscription_keeps_its_own_wait()
    {
        var first = Read(null, T0, 45, ($"{Relay}:All", 40), ($"{Feed}:All", 45));
        var second = Read(first, T0.AddSeconds(5), 45, ($"{Relay}:All", 40), ($"{Feed}:All", 40));

        Assert.Equal(
            [new SubscriptionLag(Relay, 40, 5, T0), new SubscriptionLag(Feed, 40, 5, T0.AddSeconds(5))],
            second.Subscriptions);
    }

    [Fact]
    public void Progress_past_the_highest_committed_event_is_no_lag()
    {
        // The highest is read before progress, so a subscription can be seen ahead of it.
        Assert.Equal(new SubscriptionLag(Relay, 42, 0, null), Assert.Single(ReadRelay(null, T0, 40, 42).Subscriptions));
    }

    [Fact]
    public void Subscriptions_are_named_without_the_All_shard_key_and_listed_in_shard_order()
    {
        var reading = Read(null, T0, 10, ($"{Feed}:All", 10), ($"{Relay}:All", 10), ("Trips:Shard2", 10));

        Assert.Equal(["Trips:Shard2", Relay, Feed], reading.Subscriptions.Select(s => s.Subscription));
    }

    [Fact]
    public void The_gauge_reports_each_subscriptions_lag_from_the_latest_reading()
    {
        using var meters = new TestMeters();
        using var watcher = NewWatcher(new ManualClock(T0), meters);
        var seen = new List<(string Subscription, long Lag)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == SubscriptionLagWatcher.GaugeName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            seen.Add(((string)Assert.Single(tags.ToArray(), t => t.Key == "subscription").Value!, value)));
        listener.Start();

        listener.RecordObservableInstruments();
        Assert.Empty(seen);

        watcher.Record(Read(null, T0, 50, ($"{Relay}:All", 43), ($"{Feed}:All", 50)));
        listener.RecordObservableInstruments();
        Assert.Equal([(Relay, 7L), (Feed, 0L)], seen);
    }

    /// <summary>A watcher that is never started: its store is only asked for the event schema's name.</summary>
    internal static SubscriptionLagWatcher NewWatcher(TimeProvider clock, IMeterFactory meters)
    {
        var store = Substitute.For<IDocumentStore>();
        store.Options.Events.DatabaseSchemaName.Returns("events");
        return new SubscriptionLagWatcher(store, clock, meters, NullLogger<SubscriptionLagWatcher>.Instance);
    }
}

/// <summary>A clock the test sets.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Meters scoped to one test, so a listener can tell its instruments from any other test's.</summary>
internal sealed class TestMeters : IMeterFactory
{
    private readonly List<Meter> created = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        created.Add(meter);
        return meter;
    }

    public void Dispose() => created.ForEach(m => m.Dispose());
}
