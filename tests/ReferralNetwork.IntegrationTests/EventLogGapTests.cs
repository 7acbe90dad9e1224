using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Marten.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.Referrals.Referrals;
using Published = ReferralNetwork.Contracts.Referrals;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// Gaps in the event sequence, against Marten's real async daemon: an append takes its sequence number before
/// it commits, so a slow transaction leaves a gap that quicker ones commit around. The daemon's subscriptions
/// (the relay, the partner feed) must wait for a gap whose transaction is still alive, and a transaction left
/// open must not hold them for ever. Each test has a referral service of its own, so its log holds only its events.
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public sealed class EventLogGapTests(RealInfrastructure infrastructure)
{
    private readonly string area = "gaps-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Every_service_session_runs_with_the_statement_and_idle_in_transaction_timeouts()
    {
        foreach (var services in new[] { infrastructure.Referrals.Services, infrastructure.LinkWorkers.Services, infrastructure.CommunityProviders.Services, infrastructure.Feedback.Services })
        {
            await using var session = services.GetRequiredService<IDocumentStore>().QuerySession();
            var settings = await session.QueryAsync<string>(
                "select current_setting('statement_timeout') || ' ' || current_setting('idle_in_transaction_session_timeout')");
            Assert.Equal("30s 1min", settings.Single());
        }
    }

    [Fact]
    public async Task A_statement_longer_than_the_statement_timeout_is_cancelled_by_the_server()
    {
        await using var service = await ServiceOfItsOwn.ReferralsAsync(infrastructure, ("Database:StatementTimeout", "00:00:01"));
        await using var session = service.Store.QuerySession();

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => session.QueryAsync<int>("select 1 from pg_sleep(5)"));

        var postgres = Assert.IsType<PostgresException>(failure as PostgresException ?? failure.InnerException);
        Assert.Equal(PostgresErrorCodes.QueryCanceled, postgres.SqlState);
        Assert.Contains("statement timeout", postgres.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_whose_transaction_commits_late_is_waited_for_then_relayed_and_fed_in_order()
    {
        await using var service = await ServiceOfItsOwn.ReferralsAsync(infrastructure);
        using var metrics = new MeasurementLog(service.Services.GetRequiredService<IMeterFactory>());
        var gp = Guid.NewGuid();
        var client = service.ClientFor(gp, OrganisationKind.GpPractice, area);
        var first = await SubmitAsync(client);
        await RelayedAsync<Published.ReferralRequested>(service, m => m.ReferralId == first);

        // A transaction appends to the first referral (taking the next sequence number) and stays open, while two
        // later referrals commit around it: a gap below committed events, for far longer than Marten's 3 s stale
        // threshold. Both subscriptions must wait at the gap rather than skip it.
        await using var connection = service.Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        Guid lateEvent;
        await using (var late = service.Store.LightweightSession(SessionOptions.ForTransaction(transaction)))
        {
            late.Events.Append(first, new ReferralCancelled(first, new Actor(gp, OrganisationKind.GpPractice), CancellationReason.Revoked, "Committed late.", DateTimeOffset.UtcNow));
            await late.SaveChangesAsync();
            lateEvent = (await late.Events.FetchStreamAsync(first)).Last().Id;
        }

        var second = await SubmitAsync(client);
        var third = await SubmitAsync(client);
        await Task.Delay(TimeSpan.FromSeconds(8));

        // Held: nothing after the gap has gone out, on the broker or in the feed.
        Assert.DoesNotContain(service.PublishedOf<Published.ReferralRequested>(), p => p.Message.ReferralId == second || p.Message.ReferralId == third);
        Assert.Equal([(first, "referral.requested")], (await ReadFeedAsync(client)).Select(e => (e.ReferralId, e.Type)));
        // And not skipped while it was held (after the commit, a gap another writer's rollback leaves may be, rightly).
        Assert.Empty(metrics.Of(SkippedGapWatcher.CounterName));

        await transaction.CommitAsync();

        // Then everything, the late event included, in the order of the log.
        var cancelled = await RelayedAsync<Published.ReferralCancelled>(service, m => m.ReferralId == first);
        Assert.Equal(lateEvent, cancelled.MessageId);
        await RelayedAsync<Published.ReferralRequested>(service, m => m.ReferralId == third);
        // Each referral's request exactly once; the relay publishes a page's streams side by side (each stream in its
        // own order), so the second and third referrals may cross on the broker. The feed below keeps the log's order.
        Assert.Equal(new[] { first, second, third }.Order(), service.PublishedOf<Published.ReferralRequested>().Select(p => p.Message.ReferralId).Order());
        var feed = await Eventually.GetAsync(async () => await ReadFeedAsync(client) is { Count: 4 } all ? all : null, "the feed after the commit", 30);
        Assert.Equal(
            [(first, "referral.requested"), (first, "referral.cancelled"), (second, "referral.requested"), (third, "referral.requested")],
            feed.Select(e => (e.ReferralId, e.Type)));
    }

    [Fact]
    public async Task A_transaction_left_open_is_ended_by_the_server_and_the_subscriptions_carry_on_warning_of_the_skipped_gap()
    {
        await using var service = await ServiceOfItsOwn.ReferralsAsync(infrastructure, ("Database:IdleInTransactionSessionTimeout", "00:00:03"));
        using var metrics = new MeasurementLog(service.Services.GetRequiredService<IMeterFactory>());
        var gp = Guid.NewGuid();
        var client = service.ClientFor(gp, OrganisationKind.GpPractice, area);
        var first = await SubmitAsync(client);
        await RelayedAsync<Published.ReferralRequested>(service, m => m.ReferralId == first);

        // A session of the service appends and is then forgotten with its transaction open (a leak).
        await using var leaked = service.Store.Storage.Database.CreateConnection();
        await leaked.OpenAsync();
        await using var transaction = await leaked.BeginTransactionAsync();
        await using var session = service.Store.LightweightSession(SessionOptions.ForTransaction(transaction));
        session.Events.Append(first, new ReferralCancelled(first, new Actor(gp, OrganisationKind.GpPractice), CancellationReason.Revoked, "Never committed.", DateTimeOffset.UtcNow));
        await session.SaveChangesAsync();
        var second = await SubmitAsync(client);

        // The server ends the session after 3 s idle, its append rolls back, and the daemon passes the now empty gap.
        await RelayedAsync<Published.ReferralRequested>(service, m => m.ReferralId == second);
        var ended = await Assert.ThrowsAnyAsync<Exception>(async () => await new NpgsqlCommand("select 1", leaked, transaction).ExecuteScalarAsync());
        Assert.True(ended is NpgsqlException, $"the leaked session is gone: {ended}");
        Assert.Empty(service.PublishedOf<Published.ReferralCancelled>());
        var feed = await Eventually.GetAsync(async () => await ReadFeedAsync(client) is { Count: 2 } all ? all : null, "the second referral in the feed", 30);
        Assert.Equal([(first, "referral.requested"), (second, "referral.requested")], feed.Select(e => (e.ReferralId, e.Type)));

        // The skip is counted and warned about, with how many sequence numbers had no event.
        var counted = await Eventually.GetAsync(() => metrics.Of(SkippedGapWatcher.CounterName).FirstOrDefault(), "the skip counted", 10);
        Assert.Equal(1, counted.Value);
        var warning = await Eventually.GetAsync(
            () => service.Warnings.Where(w => w.Category == typeof(SkippedGapWatcher).FullName).Select(w => new { w.Level, w.Message }).FirstOrDefault(),
            "the skip warned about", 10);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(": 1 of the sequence numbers", warning.Message, StringComparison.Ordinal);
        Assert.Single(service.Warnings, w => w.Category == typeof(SkippedGapWatcher).FullName);
        // Marten keeps its own record of the skip, for an operator to look at later.
        await using var check = service.Store.QuerySession();
        Assert.Equal(1, (await check.QueryAsync<long>($"select count(*) from {service.Store.Options.Events.DatabaseSchemaName}.mt_high_water_skips")).Single());
    }

    [Fact]
    public async Task The_relay_waits_out_a_broker_outage_without_holding_a_transaction_open()
    {
        // Far shorter than the outage: were the relay's publish retries inside a transaction, the server would end it.
        await using var service = await ServiceOfItsOwn.ReferralsAsync(infrastructure, ("Database:IdleInTransactionSessionTimeout", "00:00:02"));
        var client = service.ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice, area);
        var before = await SubmitAsync(client);
        await RelayedAsync<Published.ReferralRequested>(service, m => m.ReferralId == before);

        var restart = service.Broker.RestartAsync();
        await Eventually.GetAsync(() => service.Broker.IsRunning ? null : "stopping", "the broker stopping", 30);
        var during = await SubmitAsync(client);
        var longestIdleInTransaction = TimeSpan.Zero;
        while (!restart.IsCompleted)
        {
            await using var session = service.Store.QuerySession();
            var seconds = (await session.QueryAsync<double>(
                "select coalesce(max(extract(epoch from now() - state_change)), 0)::float8 from pg_stat_activity " +
                "where datname = current_database() and state like 'idle in transaction%'")).Single();
            longestIdleInTransaction = TimeSpan.FromSeconds(Math.Max(seconds, longestIdleInTransaction.TotalSeconds));
            await Task.Delay(200);
        }

        await restart;
        await RelayedAsync<Published.ReferralRequested>(service, m => m.ReferralId == during, seconds: 60);
        Assert.True(longestIdleInTransaction < TimeSpan.FromSeconds(1), $"a session sat idle in a transaction for {longestIdleInTransaction}");
        Assert.DoesNotContain(service.Warnings, w => w.Category == typeof(SkippedGapWatcher).FullName);
    }

    private static async Task<Guid> SubmitAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReferralServiceTests.IdOnly>())!.Id;
    }

    private static async Task<(Guid? MessageId, T Message)> RelayedAsync<T>(ServiceOfItsOwn<ReferralEvents> service, Func<T, bool> match, int seconds = 30)
    {
        var found = await Eventually.GetAsync(
            () => service.Published.FirstOrDefault(p => p.Message is T message && match(message)), $"{typeof(T).Name} on the broker", seconds);
        return (found.MessageId, (T)found.Message);
    }

    private static async Task<List<FeedItem>> ReadFeedAsync(HttpClient client)
    {
        var page = (await client.GetFromJsonAsync<FeedPage>("/api/events?limit=100"))!;
        return page.Events;
    }

    private sealed record FeedItem(Guid Id, string Type, Guid ReferralId, DateTimeOffset At, JsonElement Data);

    private sealed record FeedPage(List<FeedItem> Events, string Next);
}
