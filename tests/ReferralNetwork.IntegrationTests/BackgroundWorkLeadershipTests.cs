using System.Net;
using System.Net.Http.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.IntegrationTests.Infrastructure;
using Xunit;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// Several instances of a service on one database (issue 16): one at a time does the service's background work,
/// by a PostgreSQL advisory lock; when its connection goes (a crash, a failover, a cut), another takes over.
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public class BackgroundWorkLeadershipTests(RealInfrastructure infrastructure)
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task One_instance_at_a_time_does_the_work_and_another_takes_over_when_its_connection_goes()
    {
        var connectionString = await DatabaseAsync();
        using var store = DocumentStore.For(o => o.Connection(connectionString));
        var first = Leadership(store, connectionString, BackgroundWorkMode.Leader);
        var second = Leadership(store, connectionString, BackgroundWorkMode.Leader);
        await first.StartAsync(CancellationToken.None);
        await second.StartAsync(CancellationToken.None);
        try
        {
            var leader = await Eventually.GetAsync(() => first.IsMine ^ second.IsMine ? (first.IsMine ? first : second) : null, "one leader", 15);
            var follower = leader == first ? second : first;

            // Never both, over several of their checks.
            for (var i = 0; i < 30; i++)
            {
                Assert.False(first.IsMine && second.IsMine, "Two instances did the background work at once.");
                await Task.Delay(100);
            }

            // The leader's connection is cut, as a failover or a network cut would: the lock goes with it.
            Assert.Equal(1, await TerminateLockHolderAsync(connectionString));
            await Eventually.GetAsync(() => follower.IsMine && !leader.IsMine ? "taken over" : null, "the other instance taking over", 15);

            // A stopped instance gives the work up, and the other takes it back.
            await follower.StopAsync(CancellationToken.None);
            Assert.False(follower.IsMine);
            await Eventually.GetAsync(() => leader.IsMine ? "back" : null, "the first instance leading again", 15);
        }
        finally
        {
            await first.StopAsync(CancellationToken.None);
            await second.StopAsync(CancellationToken.None);
            first.Dispose();
            second.Dispose();
        }
    }

    [Fact]
    public async Task A_service_in_leader_mode_relays_its_events_once_it_holds_the_lock()
    {
        await using var service = await ServiceOfItsOwn.ReferralsAsync(infrastructure, ("BackgroundWork:Mode", "Leader"), ("BackgroundWork:CheckEvery", "00:00:01"));
        var work = service.Services.GetRequiredService<IBackgroundWork>();
        await Eventually.GetAsync(() => work.IsMine ? "leading" : null, "the service taking its lock", 15);

        var response = await service.ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice, "leader-" + Guid.NewGuid().ToString("N")[..6])
            .PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<ReferralServiceTests.IdOnly>())!.Id;

        // The daemon the leadership started runs the relay: the request reaches the broker.
        await Eventually.GetAsync(
            () => service.Published.FirstOrDefault(p => p.Message is ReferralNetwork.Contracts.Referrals.ReferralRequested r && r.ReferralId == id),
            "the referral relayed", 30);
    }

    [Fact]
    public async Task A_single_instance_always_does_the_work_and_one_set_to_none_never_does()
    {
        var connectionString = await DatabaseAsync();
        using var store = DocumentStore.For(o => o.Connection(connectionString));
        using var alone = Leadership(store, connectionString, BackgroundWorkMode.All);
        using var apiOnly = Leadership(store, connectionString, BackgroundWorkMode.None);
        await alone.StartAsync(CancellationToken.None);
        await apiOnly.StartAsync(CancellationToken.None);
        await Task.Delay(CheckEvery * 2);

        Assert.True(alone.IsMine);
        Assert.False(apiOnly.IsMine);
        // Neither took the lock: a leader elsewhere would get it.
        Assert.Equal(0, await LockHoldersAsync(connectionString));
        await alone.StopAsync(CancellationToken.None);
        await apiOnly.StopAsync(CancellationToken.None);
    }

    private async Task<string> DatabaseAsync()
    {
        var database = "leader" + Guid.NewGuid().ToString("N")[..8];
        await infrastructure.Postgres.EnsureDatabaseAsync(database);
        return infrastructure.Postgres.ConnectionString(database);
    }

    private static BackgroundWorkLeadership Leadership(IDocumentStore store, string connectionString, BackgroundWorkMode mode) =>
        new(store, connectionString, Options.Create(new BackgroundWorkOptions { Mode = mode, CheckEvery = CheckEvery }), TimeProvider.System,
            NullLogger<BackgroundWorkLeadership>.Instance);

    // A bigint advisory lock is held as classid (high 32 bits) and objid (low 32 bits).
    private const string HoldersOfTheLock =
        "from pg_locks where locktype = 'advisory' and granted and objsubid = 1 and ((classid::bigint << 32) | objid::bigint) = @key";

    private static Task<int> LockHoldersAsync(string connectionString) => ScalarAsync(connectionString, $"select count(*)::int {HoldersOfTheLock}");

    private static Task<int> TerminateLockHolderAsync(string connectionString) =>
        ScalarAsync(connectionString, $"select count(*)::int from (select pg_terminate_backend(pid) {HoldersOfTheLock}) ended");

    private static async Task<int> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("key", BackgroundWorkLeadership.LockKey);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
