extern alias referrals;

using System.Diagnostics;
using System.Globalization;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Npgsql;
using ReferralNetwork.Bench.Network;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Hosting;
using ReferralNetwork.PartnerApi;
using referrals::ReferralNetwork.Referrals.Erasures;
using referrals::ReferralNetwork.Referrals.Reconciliation;
using referrals::ReferralNetwork.Referrals.Referrals;
using Weasel.Core;

namespace ReferralNetwork.Bench.Storage;

/// <summary>
/// Marten's append path as the referral service uses it to store a new referral, against raw Npgsql writing
/// the same rows: one referral a transaction, the same writers, the same server and durability
/// (<c>synchronous_commit</c> on, as the network's PostgreSQL has it), in a database of its own on the
/// network's PostgreSQL so the services' data is untouched. Each path writes into tables of its own, created
/// by Marten from the same configuration, so both start empty and carry the same indexes and constraints.
/// Beside the service's settings, Marten without prepared statements and with the plain-insert append mode say where the time goes.
/// </summary>
public static class AppendBenchmark
{
    private const string DatabaseName = "append_bench";

    /// <summary>Long enough for a steady rate and a stable p99 at thousands of transactions a second.</summary>
    private static readonly TimeSpan LongestRun = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan LongestWarmUp = TimeSpan.FromSeconds(5);

    /// <summary>The runs are split in rounds taken in turn, so a drift in the machine's load is shared by every path.</summary>
    private const int Rounds = 2;

    public static async Task<IReadOnlyList<BenchRow>> RunAsync(BenchNetwork network, BenchOptions options, CancellationToken ct)
    {
        using var queues = await network.QueuesReaderAsync();
        // The intake benchmark's backlog would be charged to whichever path ran first.
        await BrokerDrainedAsync(queues, ct);
        return await RunAsync(await network.ConnectionStringAsync("referralsdb"), options, ct);
    }

    /// <summary>On any PostgreSQL whose role may create a database (the network's own, or one for a quick look).</summary>
    public static async Task<IReadOnlyList<BenchRow>> RunAsync(string serverConnectionString, BenchOptions options, CancellationToken ct)
    {
        // The paths' pools stay open side by side and, with the services', would pass the server's connection limit:
        // each holds no more than its writers and lets them go soon after its turn.
        var connectionString = new NpgsqlConnectionStringBuilder(await CreateDatabaseAsync(serverConnectionString, ct))
        {
            MaxPoolSize = options.Connections,
            ConnectionIdleLifetime = 2,
            ConnectionPruningInterval = 1,
        }.ConnectionString;
        var duration = options.Duration < LongestRun ? options.Duration : LongestRun;
        var warmUp = options.WarmUp < LongestWarmUp ? options.WarmUp : LongestWarmUp;
        var referrer = Guid.CreateVersion7();
        // As the services connect (Database: the limits, and Npgsql preparing a statement after its fifth use on a
        // connection); the path without prepared statements is how they connected before Database:MaxAutoPrepare.
        var serviceConnection = new DatabaseOptions().ApplyTo(connectionString);
        var unprepared = new NpgsqlConnectionStringBuilder(serviceConnection) { MaxAutoPrepare = 0 }.ConnectionString;

        var stores = new List<DocumentStore>();
        DocumentStore Store(string schema, string connection, Action<StoreOptions>? setting = null)
        {
            var store = DocumentStore.For(o =>
            {
                ServiceStore(o, connection, schema);
                setting?.Invoke(o);
            });
            stores.Add(store);
            return store;
        }

        // Marten 9's default is QuickWithServerTimestamps (the service sets none): the stream's events in one call
        // of its mt_quick_append_events function. Quick inserts each event with a plain INSERT instead.
        var service = Store("append_marten", serviceConnection);
        var withoutPrepared = Store("append_marten_unprepared", unprepared);
        var quick = Store("append_marten_quick", serviceConnection, o => o.Events.AppendMode = EventAppendMode.Quick);
        // Only to create the raw paths' tables as the service's store has them.
        var rawTables = Store("append_npgsql", connectionString);
        var unpreparedTables = Store("append_npgsql_unprepared", connectionString);
        await using var raw = NpgsqlDataSource.Create(connectionString);
        var postmaster = await PostmasterAsync(raw, ct);
        var rawPath = RawAppend.For(raw, rawTables);
        var unpreparedPath = RawAppend.Unprepared(raw, unpreparedTables);
        // The first two are the target's; the others say where the difference goes.
        AppendPath[] paths =
        [
            new("Marten, the referral service's settings", ct => MartenAppendAsync(service, referrer, ct)),
            new("raw Npgsql, one prepared batch", ct => rawPath.AppendAsync(referrer, ct)),
            new("Marten without prepared statements (Database:MaxAutoPrepare 0, the services before it)", ct => MartenAppendAsync(withoutPrepared, referrer, ct)),
            new("Marten + EventAppendMode.Quick", ct => MartenAppendAsync(quick, referrer, ct)),
            new("raw Npgsql as Marten sends it (explicit transaction, unprepared)", ct => unpreparedPath.AppendAsync(referrer, ct)),
        ];

        try
        {
            foreach (var store in stores)
            {
                await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            }

            foreach (var path in paths)
            {
                Console.WriteLine($"[bench] append: warming up {path.Name} for {warmUp.TotalSeconds} s over {options.Connections} writers");
                await DriveAsync(path, options.Connections, warmUp, postmaster, ct);
            }

            var samples = paths.ToDictionary(p => p, _ => new List<Sample>());
            for (var round = 0; round < Rounds; round++)
            {
                foreach (var path in paths)
                {
                    Console.WriteLine($"[bench] append: {path.Name}, round {round + 1} of {Rounds}: {(duration / Rounds).TotalSeconds} s over {options.Connections} writers");
                    samples[path].Add(await DriveAsync(path, options.Connections, duration / Rounds, postmaster, ct));
                }
            }

            return Rows(paths.Select(p => (p.Name, Sample.Merge(samples[p]))).ToList(), options.Connections);
        }
        finally
        {
            foreach (var store in stores)
            {
                store.Dispose();
            }
        }
    }

    private sealed record AppendPath(string Name, Func<CancellationToken, Task> AppendAsync);

    /// <summary>Transactions committed in a run, how long each took (milliseconds), and the CPU the run used.</summary>
    private sealed record Sample(List<double> LatenciesMs, TimeSpan Ran, ProcessorTime Cpu)
    {
        public double Rate => LatenciesMs.Count / Ran.TotalSeconds;

        public static Sample Merge(IEnumerable<Sample> samples) =>
            samples.Aggregate(new Sample([], TimeSpan.Zero, default),
                (all, s) => new Sample([.. all.LatenciesMs, .. s.LatenciesMs], all.Ran + s.Ran, all.Cpu + s.Cpu));
    }

    /// <summary>
    /// The service's event store as <c>EventStoreExtensions.AddEventStore</c> and the referral service's
    /// <c>Extensions</c> configure it, less what only the async daemon and erasure read (no daemon runs here).
    /// </summary>
    private static void ServiceStore(StoreOptions opts, string connectionString, string schema)
    {
        opts.Connection(connectionString);
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString);
        opts.Events.UseMandatoryStreamTypeDeclaration = true;
        opts.Events.MetadataConfig.HeadersEnabled = true;
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        opts.Events.MetadataConfig.CausationIdEnabled = true;
        opts.Events.EnableAdvancedAsyncTracking = true;
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        opts.Schema.For<ErasedStream>();
        opts.DatabaseSchemaName = schema;
        opts.Projections.Snapshot<Referral>(SnapshotLifecycle.Inline);
        opts.Schema.For<Referral>().Duplicate(r => r.ReferrerId).Duplicate(r => r.UpdatedAt).Duplicate(r => r.LinkWorkerServiceId);
        opts.Schema.For<ServedArea>();
        opts.Projections.Snapshot<Erasure>(SnapshotLifecycle.Inline);
        ReferralErasure.AddMaskingRules(opts);
        // The partner API's stored responses, inserted in the same transaction as the referral they answer.
        opts.Schema.For<IdempotentResponse>();
    }

    /// <summary>
    /// What <c>ReferralsApi.SubmitAsync</c> saves: a lightweight session (as <c>TracedSessionFactory</c> opens it,
    /// with the request's trace in the headers), the Idempotency-Key's stored response, and the referral's new
    /// stream, whose inline snapshot Marten writes in the same transaction.
    /// </summary>
    private static async Task MartenAppendAsync(IDocumentStore store, Guid referrer, CancellationToken ct)
    {
        var submitted = Submitted.Next(referrer);
        await using var session = store.LightweightSession();
        session.SetHeader(TracedSessionFactory.TraceParentHeader, submitted.TraceParent);
        session.Insert(submitted.Response);
        session.Events.StartStream<Referral>(submitted.Requested.ReferralId, submitted.Requested);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Runs <paramref name="writers"/> writers, each appending one referral after another, for <paramref name="duration"/>;
    /// a writer's last transaction may end after it, so the rate is over the time until the last one ended.
    /// </summary>
    private static async Task<Sample> DriveAsync(AppendPath path, int writers, TimeSpan duration, int postmaster, CancellationToken ct)
    {
        var cpu = ProcessorTime.Now(postmaster);
        var clock = Stopwatch.StartNew();
        var latencies = await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            var mine = new List<double>();
            while (clock.Elapsed < duration)
            {
                var started = clock.Elapsed;
                await path.AppendAsync(ct);
                mine.Add((clock.Elapsed - started).TotalMilliseconds);
            }

            return mine;
        }, ct)));
        var ran = clock.Elapsed;
        return new Sample(latencies.SelectMany(l => l).ToList(), ran, ProcessorTime.Now(postmaster) - cpu);
    }

    private static List<BenchRow> Rows(IReadOnlyList<(string Name, Sample Sample)> results, int writers)
    {
        var rows = new List<BenchRow>();
        var npgsql = results[1].Sample.Rate;
        foreach (var (name, sample) in results)
        {
            var sorted = sample.LatenciesMs.Order().ToList();
            var count = sample.LatenciesMs.Count;
            rows.Add(new BenchRow($"append, {name}: referrals/s ({writers} writers, a transaction each); p50 / p99 ms; CPU µs a referral, writers + PostgreSQL",
                $"{sample.Rate:0}; {Ms(sorted, 50)} / {Ms(sorted, 99)}; {Micros(sample.Cpu.Client, count)} + {Micros(sample.Cpu.Server, count)}", "", null));
        }

        var ratio = results[0].Sample.Rate / npgsql;
        rows.Add(new BenchRow("append: Marten ÷ raw Npgsql, referrals/s (the service's settings)", $"{ratio:0.00}×", "≥ 0.5×", ratio >= 0.5));
        foreach (var (name, sample) in results.Skip(2))
        {
            rows.Add(new BenchRow($"append: {name} ÷ raw Npgsql, referrals/s", $"{sample.Rate / npgsql:0.00}×", "", null));
        }

        return rows;
    }

    private static string Micros(TimeSpan cpu, int referrals) =>
        (cpu.TotalMicroseconds / Math.Max(referrals, 1)).ToString("0", CultureInfo.InvariantCulture);

    private static string Ms(IReadOnlyList<double> sorted, double percentile) =>
        Percentiles.Of(sorted, percentile).ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>The server's postmaster, whose processes' CPU is counted (the benchmark runs beside its PostgreSQL).</summary>
    private static async Task<int> PostmasterAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("select pg_backend_pid()");
        return ProcessorTime.PostmasterOf((int)(await command.ExecuteScalarAsync(ct))!);
    }

    /// <summary>A fresh database on the server (dropped first if an earlier run left one); returns its connection string.</summary>
    private static async Task<string> CreateDatabaseAsync(string serverConnectionString, CancellationToken ct)
    {
        var server = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync(ct);
            foreach (var sql in (string[])[$"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)", $"CREATE DATABASE {DatabaseName}"])
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync(ct);
            }
        }

        return new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = DatabaseName }.ConnectionString;
    }

    /// <summary>Waits (up to 5 minutes) until no queue holds a message.</summary>
    private static async Task BrokerDrainedAsync(BrokerQueues queues, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5);
        while (DateTimeOffset.UtcNow < deadline)
        {
            var reading = await queues.ReadAsync(ct);
            if (reading.Succeeded && reading.Queues.Sum(q => q.Messages) == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }
}
