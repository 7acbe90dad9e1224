using Microsoft.Extensions.Diagnostics.HealthChecks;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging;

namespace ReferralNetwork.UnitTests.Defaults;

public class SubscriptionsHealthCheckTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan StalledAfter = SubscriptionsHealthCheck.StalledAfter;
    private const string Relay = "integration-event-relay";
    private const string Feed = "partner-feed";

    private static SubscriptionLagReading Reading(DateTimeOffset at, params SubscriptionLag[] subscriptions) =>
        new(at, 5_000, subscriptions);

    private static async Task<HealthCheckResult> Check(
        SubscriptionLagReading? reading, DateTimeOffset now, HealthStatus failureStatus = HealthStatus.Unhealthy)
    {
        var clock = new ManualClock(now);
        using var meters = new TestMeters();
        using var watcher = SubscriptionLagTests.NewWatcher(clock, meters);
        if (reading is not null)
        {
            watcher.Record(reading);
        }
        var check = new SubscriptionsHealthCheck(watcher, clock);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("subscriptions", check, failureStatus, null) };
        return await check.CheckHealthAsync(context);
    }

    [Fact]
    public async Task A_small_lag_read_just_now_is_healthy()
    {
        var reading = Reading(T0, new SubscriptionLag(Relay, 4_997, 3, T0), new SubscriptionLag(Feed, 5_000, 0, null));

        var result = await Check(reading, T0.AddSeconds(1));

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal($"events behind: {Relay} 3, {Feed} 0", result.Description);
        Assert.Equal(5_000L, result.Data["highestSequence"]);
    }

    [Theory]
    [InlineData(SubscriptionsHealthCheck.FarBehindEvents, HealthStatus.Healthy)]
    [InlineData(SubscriptionsHealthCheck.FarBehindEvents + 1, HealthStatus.Degraded)]
    [InlineData(40_000, HealthStatus.Degraded)]
    public async Task More_than_FarBehindEvents_waiting_is_degraded(long lag, HealthStatus expected)
    {
        var reading = Reading(T0, new SubscriptionLag(Relay, 5_000 - lag, lag, T0.AddSeconds(-30)), new SubscriptionLag(Feed, 5_000, 0, null));

        var result = await Check(reading, T0);

        Assert.Equal(expected, result.Status);
        if (expected == HealthStatus.Degraded)
        {
            Assert.StartsWith("far behind", result.Description);
        }
    }

    [Fact]
    public async Task No_reading_yet_is_degraded()
    {
        var result = await Check(null, T0);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("subscription progress not read yet", result.Description);
    }

    [Fact]
    public async Task A_reading_StaleAfter_old_is_degraded_even_with_nothing_behind()
    {
        var reading = Reading(T0, new SubscriptionLag(Relay, 5_000, 0, null));

        var fresh = await Check(reading, T0 + SubscriptionsHealthCheck.StaleAfter - TimeSpan.FromSeconds(1));
        var stale = await Check(reading, T0 + SubscriptionsHealthCheck.StaleAfter);

        Assert.Equal(HealthStatus.Healthy, fresh.Status);
        Assert.Equal(HealthStatus.Degraded, stale.Status);
        Assert.StartsWith("no reading since", stale.Description);
    }

    [Fact]
    public async Task A_stale_reading_is_not_taken_for_a_stall()
    {
        // Waiting 1 min when read; 10 min later the database still cannot be read. That says nothing of the daemon.
        var reading = Reading(T0, new SubscriptionLag(Relay, 4_990, 10, T0.AddMinutes(-1)));

        var result = await Check(reading, T0.AddMinutes(10));

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.StartsWith("no reading since", result.Description);
    }

    [Fact]
    public async Task Events_waiting_StalledAfter_without_the_subscription_advancing_is_the_registrations_failure_status()
    {
        var reading = Reading(T0, new SubscriptionLag(Relay, 4_995, 5, T0 - StalledAfter), new SubscriptionLag(Feed, 5_000, 0, null));

        var unhealthy = await Check(reading, T0);
        var asRegistered = await Check(reading, T0, failureStatus: HealthStatus.Degraded);

        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.StartsWith($"stopped advancing: {Relay} 5 event(s) behind, not advanced since", unhealthy.Description);
        Assert.DoesNotContain(Feed, unhealthy.Description);
        Assert.Equal(HealthStatus.Degraded, asRegistered.Status);
        Assert.StartsWith("stopped advancing", asRegistered.Description);
    }

    [Fact]
    public async Task Events_that_only_just_started_waiting_are_not_a_stall()
    {
        var reading = Reading(T0, new SubscriptionLag(Relay, 4_995, 5, T0 - StalledAfter + TimeSpan.FromSeconds(1)));

        Assert.Equal(HealthStatus.Healthy, (await Check(reading, T0)).Status);
    }

    [Fact]
    public async Task The_stall_is_judged_at_the_readings_time_not_at_the_check()
    {
        // Short of StalledAfter when read; past it by the time of the check, but the reading is not stale yet.
        var reading = Reading(T0, new SubscriptionLag(Relay, 4_995, 5, T0 - StalledAfter + TimeSpan.FromSeconds(5)));

        var result = await Check(reading, T0 + SubscriptionsHealthCheck.StaleAfter - TimeSpan.FromSeconds(1));

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task A_subscription_that_stops_while_events_wait_fails_once_StalledAfter_has_passed()
    {
        SubscriptionLagReading? reading = null;
        for (var at = T0; at <= T0 + StalledAfter; at += SubscriptionLagWatcher.ReadEvery)
        {
            reading = SubscriptionLagWatcher.Next(reading, at, 50, new Dictionary<string, long> { [$"{Relay}:All"] = 40 });

            var result = await Check(reading, at);

            Assert.Equal(at - T0 >= StalledAfter ? HealthStatus.Unhealthy : HealthStatus.Healthy, result.Status);
        }
    }

    [Fact]
    public async Task A_subscription_idle_for_hours_is_not_stalled_when_an_event_arrives()
    {
        var idle = SubscriptionLagWatcher.Next(null, T0, 40, new Dictionary<string, long> { [$"{Relay}:All"] = 40 });
        idle = SubscriptionLagWatcher.Next(idle, T0.AddHours(3), 40, new Dictionary<string, long> { [$"{Relay}:All"] = 40 });
        var arrived = T0.AddHours(3).AddSeconds(5);
        var reading = SubscriptionLagWatcher.Next(idle, arrived, 41, new Dictionary<string, long> { [$"{Relay}:All"] = 40 });

        var result = await Check(reading, arrived);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(arrived, Assert.Single(reading.Subscriptions).WaitingSince);
    }

    [Fact]
    public async Task A_subscription_working_through_a_long_backlog_is_far_behind_not_stalled()
    {
        // 10,000 behind and advancing 100 events a reading: minutes behind, never stopped.
        SubscriptionLagReading? reading = null;
        var at = T0;
        for (var progress = 0L; at <= T0 + StalledAfter * 2; progress += 100, at += SubscriptionLagWatcher.ReadEvery)
        {
            reading = SubscriptionLagWatcher.Next(reading, at, 10_000, new Dictionary<string, long> { [$"{Relay}:All"] = progress });
        }

        var result = await Check(reading, at - SubscriptionLagWatcher.ReadEvery);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.StartsWith("far behind", result.Description);
    }
}
