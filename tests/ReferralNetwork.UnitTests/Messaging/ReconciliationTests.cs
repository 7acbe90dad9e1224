using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NSubstitute;
using ReferralNetwork.Messaging.Reconciliation;
using ReferralNetwork.UnitTests.Defaults;

namespace ReferralNetwork.UnitTests.Messaging;

/// <summary>The shared part of the reconciliation: its settings, one pass, the gauge, the health check and the warnings.</summary>
public class ReconciliationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly ReconciledItem Referral = new("referral", "referral", "link-worker service");

    [Fact]
    public void The_check_runs_every_minute_and_allows_five_minutes()
    {
        using var provider = Build([], s => s.AddReconciliationOptions());

        provider.GetRequiredService<IStartupValidator>().Validate();

        var options = provider.GetRequiredService<IOptions<ReconciliationOptions>>().Value;
        Assert.Equal((TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5)), (options.Interval, options.Grace));
    }

    [Theory]
    [InlineData("Reconciliation:Interval", "00:00:00")]
    [InlineData("Reconciliation:Interval", "02:00:00")]
    [InlineData("Reconciliation:Grace", "00:00:00")]
    [InlineData("Reconciliation:Grace", "-00:05:00")]
    public void A_bad_setting_stops_the_start_naming_it(string setting, string value)
    {
        using var provider = Build(new() { [setting] = value }, s => s.AddReconciliationOptions());

        var refused = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.StartsWith(setting + " ", Assert.Single(refused.Failures));
    }

    [Fact]
    public void The_health_check_is_registered_as_reconciliation_for_readiness_and_fails_only_as_degraded()
    {
        using var provider = Build([], s => s.AddReconciliation<NothingSent>());

        var registration = Assert.Single(provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations);

        Assert.Equal("reconciliation", registration.Name);
        Assert.Equal(["ready"], registration.Tags);
        // A check that throws reports its registration's failure status: degraded, so readiness never drops.
        Assert.Equal(HealthStatus.Degraded, registration.FailureStatus);
    }

    [Fact]
    public async Task A_pass_asks_for_what_was_due_a_grace_period_ago_and_keeps_it_for_the_gauge_and_the_health_check()
    {
        var clock = new ManualClock(T0);
        var items = new Items([new Unreached(Guid.NewGuid(), T0.AddMinutes(-12)), new Unreached(Guid.NewGuid(), T0.AddMinutes(-6))]);
        using var meters = new TestMeters();
        var watcher = NewWatcher(items, clock, meters, new CapturedLog());

        var reading = await watcher.CheckAsync(CancellationToken.None);

        Assert.Equal(T0 - TimeSpan.FromMinutes(5), Assert.Single(items.AskedFor));
        Assert.Same(reading, watcher.Latest);
        Assert.Equal((T0, TimeSpan.FromMinutes(5), 2), (reading.CheckedAt, reading.Grace, reading.Unreached.Count));
        Assert.Equal(T0.AddMinutes(-12), reading.Oldest!.DueSince);
    }

    [Fact]
    public async Task The_gauge_reports_the_latest_count_tagged_with_the_item_and_nothing_before_the_first_pass()
    {
        var items = new Items([new Unreached(Guid.NewGuid(), T0.AddMinutes(-10))]);
        using var meters = new TestMeters();
        var watcher = NewWatcher(items, new ManualClock(T0), meters, new CapturedLog());
        var seen = new List<(string? Item, long Count)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == ReconciliationWatcher.GaugeName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => seen.Add(((string?)Assert.Single(tags.ToArray()).Value, value)));
        listener.Start();

        listener.RecordObservableInstruments();
        Assert.Empty(seen);

        await watcher.CheckAsync(CancellationToken.None);
        items.Found = [];
        listener.RecordObservableInstruments();
        await watcher.CheckAsync(CancellationToken.None);
        listener.RecordObservableInstruments();

        Assert.Equal([("referral", 1L), ("referral", 0L)], seen);
    }

    [Fact]
    public async Task Each_overdue_item_is_named_in_a_warning_once_and_the_all_clear_is_logged()
    {
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        var items = new Items([new Unreached(first, T0.AddMinutes(-10))]);
        var log = new CapturedLog();
        using var meters = new TestMeters();
        var watcher = NewWatcher(items, new ManualClock(T0), meters, log);

        await watcher.CheckAsync(CancellationToken.None);
        await watcher.CheckAsync(CancellationToken.None);
        items.Found = [new Unreached(first, T0.AddMinutes(-10)), new Unreached(second, T0.AddMinutes(-7))];
        await watcher.CheckAsync(CancellationToken.None);
        items.Found = [];
        await watcher.CheckAsync(CancellationToken.None);

        var warnings = log.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.StartsWith($"1 referral(s) have not reached their link-worker service within 00:05:00: {first}.", warnings[0]);
        Assert.StartsWith($"1 referral(s) have not reached their link-worker service within 00:05:00: {second}. 2 in all", warnings[1]);
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Information && l.Message == "No referral is overdue at its link-worker service any more");
    }

    [Fact]
    public async Task A_large_loss_names_twenty_ids_in_its_warning_and_counts_the_rest()
    {
        var found = Enumerable.Range(0, 25).Select(i => new Unreached(Guid.NewGuid(), T0.AddMinutes(-30 + i))).ToList();
        var log = new CapturedLog();
        using var meters = new TestMeters();

        await NewWatcher(new Items(found), new ManualClock(T0), meters, log).CheckAsync(CancellationToken.None);

        var warning = Assert.Single(log.Lines).Message;
        Assert.All(found.Take(20), u => Assert.Contains(u.Id.ToString(), warning));
        Assert.All(found.Skip(20), u => Assert.DoesNotContain(u.Id.ToString(), warning));
        Assert.Contains(" and 5 more. 25 in all", warning);
    }

    [Fact]
    public async Task Before_the_first_pass_the_check_is_healthy()
    {
        var result = await Check(null, T0);

        Assert.Equal((HealthStatus.Healthy, "not checked yet"), (result.Status, result.Description));
    }

    [Fact]
    public async Task Nothing_overdue_is_healthy()
    {
        var result = await Check(new ReconciliationReading(T0, TimeSpan.FromMinutes(5), []), T0.AddSeconds(10));

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("every referral due more than 5 min ago has reached its link-worker service", result.Description);
        Assert.Equal(0, result.Data["unreached"]);
    }

    [Fact]
    public async Task Anything_overdue_is_degraded_saying_how_many_and_how_long_the_oldest_has_waited_without_ids()
    {
        var (oldest, newer) = (new Unreached(Guid.NewGuid(), T0.AddMinutes(-42)), new Unreached(Guid.NewGuid(), T0.AddMinutes(-6)));
        var result = await Check(new ReconciliationReading(T0, TimeSpan.FromMinutes(5), [newer, oldest]), T0.AddSeconds(30));

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("2 referral(s) have not reached their link-worker service within 5 min; the oldest has waited 42 min", result.Description);
        Assert.Equal(2, result.Data["unreached"]);
        Assert.Equal(oldest.DueSince, result.Data["oldestDueSince"]);
        Assert.DoesNotContain(result.Data.Values, v => v.ToString()!.Contains(oldest.Id.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reading_three_intervals_old_is_degraded_even_with_nothing_overdue()
    {
        var reading = new ReconciliationReading(T0, TimeSpan.FromMinutes(5), []);

        var fresh = await Check(reading, T0 + TimeSpan.FromMinutes(3) - TimeSpan.FromSeconds(1));
        var stale = await Check(reading, T0 + TimeSpan.FromMinutes(3));

        Assert.Equal(HealthStatus.Healthy, fresh.Status);
        Assert.Equal(HealthStatus.Degraded, stale.Status);
        Assert.StartsWith("not checked since 2026-11-23 09:00:00Z", stale.Description);
    }

    [Fact]
    public async Task A_short_interval_is_not_taken_for_an_outage_within_thirty_seconds()
    {
        var reading = new ReconciliationReading(T0, TimeSpan.FromMinutes(5), []);
        var everyQuarterSecond = new ReconciliationOptions { Interval = TimeSpan.FromMilliseconds(250) };

        Assert.Equal(HealthStatus.Healthy, (await Check(reading, T0.AddSeconds(29), everyQuarterSecond)).Status);
        Assert.Equal(HealthStatus.Degraded, (await Check(reading, T0.AddSeconds(30), everyQuarterSecond)).Status);
    }

    [Theory]
    [InlineData(0, "0 s")]
    [InlineData(95, "95 s")]
    [InlineData(300, "5 min")]
    [InlineData(7_199, "119 min")]
    [InlineData(7_200, "2 h")]
    [InlineData(3 * 86_400, "3 d")]
    public void Spans_read_in_whole_units(int seconds, string expected) =>
        Assert.Equal(expected, ReconciliationHealthCheck.Span(TimeSpan.FromSeconds(seconds)));

    private static async Task<HealthCheckResult> Check(ReconciliationReading? reading, DateTimeOffset now, ReconciliationOptions? options = null)
    {
        using var meters = new TestMeters();
        var clock = new ManualClock(reading?.CheckedAt ?? now);
        var watcher = NewWatcher(new Items(reading?.Unreached ?? []), clock, meters, new CapturedLog());
        if (reading is not null)
        {
            await watcher.CheckAsync(CancellationToken.None);
        }

        clock.Now = now;
        var check = new ReconciliationHealthCheck(watcher, Options.Create(options ?? new ReconciliationOptions()), clock);
        return await check.CheckHealthAsync(new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("reconciliation", check, HealthStatus.Degraded, null),
        });
    }

    private static ReconciliationWatcher NewWatcher(Items items, TimeProvider clock, IMeterFactory meters, CapturedLog log) =>
        new(items, Options.Create(new ReconciliationOptions()), clock, Substitute.For<IHostApplicationLifetime>(), meters, log);

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        register(services);
        return services.BuildServiceProvider();
    }

    private sealed class Items(IReadOnlyList<Unreached> found) : IReconciledItems
    {
        public IReadOnlyList<Unreached> Found { get; set; } = found;

        public List<DateTimeOffset> AskedFor { get; } = [];

        public ReconciledItem Item => Referral;

        public Task<IReadOnlyList<Unreached>> FindUnreachedAsync(DateTimeOffset dueBy, CancellationToken ct)
        {
            AskedFor.Add(dueBy);
            return Task.FromResult(Found);
        }
    }

    private sealed class NothingSent : IReconciledItems
    {
        public ReconciledItem Item => Referral;

        public Task<IReadOnlyList<Unreached>> FindUnreachedAsync(DateTimeOffset dueBy, CancellationToken ct) => Task.FromResult<IReadOnlyList<Unreached>>([]);
    }

    private sealed class CapturedLog : ILogger<ReconciliationWatcher>
    {
        public List<(LogLevel Level, string Message)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }
}
