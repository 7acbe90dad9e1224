using Marten;
using Npgsql;

namespace ReferralNetwork.Feedback.Reports;

/// <summary>
/// Counts a report's tally in PostgreSQL from <see cref="ReportTables"/>: grouped counts and sums in one pass
/// over the period's rows, and each percentile's two neighbouring waits read off an index in wait order.
/// The independent queries run side by side, each on a connection of its own, and all in one snapshot of the
/// database (exported by the first, imported by the others), so the counts and the ranks agree while writes go on.
/// </summary>
internal static class ReportTablesQuery
{
    public static async Task<ReportTally> TallyAsync(IDocumentStore store, ReportPeriod period, CancellationToken ct)
    {
        await using var leader = store.Storage.Database.CreateConnection();
        await leader.OpenAsync(ct);
        await using var transaction = await leader.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var export = new NpgsqlCommand("select pg_export_snapshot()", leader, transaction);
        var q = new Scope(store, period, (string)(await export.ExecuteScalarAsync(ct))!);

        var referralsTask = ReferralsAsync(q, ct);
        var onwardTask = OnwardAsync(q, ct);
        var caseloadsTask = CaseloadsAsync(q, ct);
        var ratingsTask = RatingsAsync(q, ct);

        var referrals = await referralsTask;
        var toAcceptance = RankedAsync(q, ReportTables.Referrals, "to_acceptance_ticks", referrals.ToAcceptance, ct);
        var toAttempt = RankedAsync(q, ReportTables.Referrals, "to_first_contact_attempt_ticks", referrals.ToFirstContactAttempt, ct);
        var toReached = RankedAsync(q, ReportTables.Referrals, "to_first_reached_ticks", referrals.ToFirstReached, ct);
        var onward = await onwardTask;
        var toAcknowledgement = RankedAsync(q, ReportTables.Onward, "to_acknowledgement_ticks", onward.Acknowledged, ct);

        return new ReportTally(
            referrals.Count, referrals.ByPathway, referrals.ByStatus, referrals.Accepted, referrals.Reached, referrals.Completed,
            referrals.Rejected, referrals.Failed, referrals.Cancelled,
            await toAcceptance, await toAttempt, await toReached, await toAcknowledgement,
            onward.ByStatus, onward.Rejected,
            await caseloadsTask,
            referrals.OutcomeChanges,
            await ratingsTask);
    }

    private sealed record Scope(IDocumentStore Store, ReportPeriod Period, string Snapshot)
    {
        public string Schema => Store.Options.DatabaseSchemaName;

        /// <summary>A connection of its own, in a transaction on the leader's snapshot (it ends with the connection).</summary>
        public async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
        {
            var connection = Store.Storage.Database.CreateConnection();
            try
            {
                await connection.OpenAsync(ct);
                await using var begin = new NpgsqlCommand(
                    $"start transaction isolation level repeatable read read only; set transaction snapshot '{Snapshot.Replace("'", "''", StringComparison.Ordinal)}'; "
                    // Enough to group and count in memory: at the default 4 MB PostgreSQL sorted a year's rows on disk instead (2.6 s, not 0.35).
                    + "set local work_mem = '64MB'", connection);
                await begin.ExecuteNonQueryAsync(ct);
                return connection;
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }

        public NpgsqlCommand Command(string sql, NpgsqlConnection connection)
        {
            var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("area", Period.Area);
            command.Parameters.AddWithValue("start", Period.Start.UtcTicks);
            command.Parameters.AddWithValue("end", Period.End.UtcTicks);
            return command;
        }
    }

    private sealed record ReferralCounts(
        int Count, Dictionary<string, int> ByPathway, Dictionary<string, int> ByStatus, int Accepted, int Reached, int Completed,
        Dictionary<string, int> Rejected, Dictionary<string, int> Failed, Dictionary<string, int> Cancelled,
        int ToAcceptance, int ToFirstContactAttempt, int ToFirstReached,
        Dictionary<(string, string), ChangeTally> OutcomeChanges);

    private static readonly string[] ChangeColumns = ["swemwbs_metric", "wemwbs_total", "life_satisfaction", "worthwhile", "happiness", "anxiety"];

    private static async Task<ReferralCounts> ReferralsAsync(Scope q, CancellationToken ct)
    {
        // One group per combination of keys: a few hundred at most, folded into the report's counts below.
        var sql = $"""
            select pathway, status, rejected_key, failed_key, cancelled_key, goal_count,
                count(*), count(*) filter (where accepted), count(*) filter (where reached), count(*) filter (where completed),
                count(to_acceptance_ticks), count(to_first_contact_attempt_ticks), count(to_first_reached_ticks),
                {string.Join(", ", ChangeColumns.Select(c => $"count({c}), coalesce(sum({c}), 0)"))},
                coalesce(sum(goal_change_sum), 0)
            from {q.Schema}.{ReportTables.Referrals}
            where area = @area and requested_ticks >= @start and requested_ticks < @end
            group by pathway, status, rejected_key, failed_key, cancelled_key, goal_count
            """;
        var byPathway = new Dictionary<string, int>(StringComparer.Ordinal);
        var byStatus = new Dictionary<string, int>(StringComparer.Ordinal);
        var rejected = new Dictionary<string, int>(StringComparer.Ordinal);
        var failed = new Dictionary<string, int>(StringComparer.Ordinal);
        var cancelled = new Dictionary<string, int>(StringComparer.Ordinal);
        int count = 0, accepted = 0, reached = 0, completed = 0, toAcceptance = 0, toAttempt = 0, toReached = 0;
        var changes = ChangeColumns.Select(_ => (Pairs: 0, Sum: 0m)).ToArray();
        var goals = new Dictionary<int, (int Referrals, decimal Sum)>();

        await using var connection = await q.OpenAsync(ct);
        await using var command = q.Command(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var n = (int)reader.GetInt64(6);
            count += n;
            Add(byPathway, reader.GetString(0), n);
            Add(byStatus, reader.GetString(1), n);
            AddKey(rejected, reader, 2, n);
            AddKey(failed, reader, 3, n);
            AddKey(cancelled, reader, 4, n);
            accepted += (int)reader.GetInt64(7);
            reached += (int)reader.GetInt64(8);
            completed += (int)reader.GetInt64(9);
            toAcceptance += (int)reader.GetInt64(10);
            toAttempt += (int)reader.GetInt64(11);
            toReached += (int)reader.GetInt64(12);
            for (var i = 0; i < ChangeColumns.Length; i++)
            {
                changes[i] = (changes[i].Pairs + (int)reader.GetInt64(13 + (2 * i)), changes[i].Sum + reader.GetDecimal(14 + (2 * i)));
            }

            if (!reader.IsDBNull(5) && reader.GetInt32(5) > 0)
            {
                var goalCount = reader.GetInt32(5);
                var known = goals.GetValueOrDefault(goalCount);
                goals[goalCount] = (known.Referrals + n, known.Sum + reader.GetDecimal(13 + (2 * ChangeColumns.Length)));
            }
        }

        var outcomeChanges = new Dictionary<(string, string), ChangeTally>();
        for (var i = 0; i < ChangeColumns.Length; i++)
        {
            outcomeChanges[SummaryReports.OutcomeRows[i]] = new ChangeTally(changes[i].Pairs, Percentiles.Mean(changes[i].Pairs, changes[i].Sum));
        }

        outcomeChanges[SummaryReports.OutcomeRows[^1]] = ChangeTally.OfGoals(goals);
        return new ReferralCounts(
            count, byPathway, byStatus, accepted, reached, completed, rejected, failed, cancelled, toAcceptance, toAttempt, toReached, outcomeChanges);
    }

    private sealed record OnwardCounts(Dictionary<string, int> ByStatus, Dictionary<string, int> Rejected, int Acknowledged);

    private static async Task<OnwardCounts> OnwardAsync(Scope q, CancellationToken ct)
    {
        var sql = $"""
            select status, rejected_key, count(*), count(to_acknowledgement_ticks)
            from {q.Schema}.{ReportTables.Onward}
            where area = @area and requested_ticks >= @start and requested_ticks < @end
            group by status, rejected_key
            """;
        var byStatus = new Dictionary<string, int>(StringComparer.Ordinal);
        var rejected = new Dictionary<string, int>(StringComparer.Ordinal);
        var acknowledged = 0;
        await using var connection = await q.OpenAsync(ct);
        await using var command = q.Command(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var n = (int)reader.GetInt64(2);
            Add(byStatus, reader.GetString(0), n);
            AddKey(rejected, reader, 1, n);
            acknowledged += (int)reader.GetInt64(3);
        }

        return new OnwardCounts(byStatus, rejected, acknowledged);
    }

    /// <summary>
    /// Every link worker of the area with a case of any period, counted along the link-worker index; the name is
    /// the one on the latest acceptance, read off the same index for each of them.
    /// </summary>
    private static async Task<IReadOnlyList<CaseloadTally>> CaseloadsAsync(Scope q, CancellationToken ct)
    {
        var sql = $"""
            select w.link_worker_id, w.active, w.accepted_in_period, (
                select r.link_worker_name from {q.Schema}.{ReportTables.Referrals} r
                where r.area = @area and r.link_worker_id = w.link_worker_id and r.link_worker_name is not null
                order by r.accepted_ticks desc nulls last
                limit 1)
            from (
                select link_worker_id, count(*) filter (where active) as active,
                    count(*) filter (where accepted_ticks >= @start and accepted_ticks < @end) as accepted_in_period
                from {q.Schema}.{ReportTables.Referrals}
                where area = @area and link_worker_id is not null
                group by link_worker_id) w
            """;
        var caseloads = new List<CaseloadTally>();
        await using var connection = await q.OpenAsync(ct);
        await using var command = q.Command(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            caseloads.Add(new CaseloadTally(
                reader.GetGuid(0), reader.IsDBNull(3) ? "" : reader.GetString(3), (int)reader.GetInt64(1), (int)reader.GetInt64(2)));
        }

        return caseloads;
    }

    private static async Task<IReadOnlyDictionary<int, int>> RatingsAsync(Scope q, CancellationToken ct)
    {
        var sql = $"""
            select rating, count(*) from {q.Schema}.{ReportTables.Ratings}
            where area = @area and at_ticks >= @start and at_ticks < @end
            group by rating
            """;
        var ratings = new Dictionary<int, int>();
        await using var connection = await q.OpenAsync(ct);
        await using var command = q.Command(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ratings[reader.GetInt32(0)] = (int)reader.GetInt64(1);
        }

        return ratings;
    }

    /// <summary>
    /// The waits at the ranks the percentiles need: for each run of neighbouring ranks (a percentile's two), the
    /// index is walked in wait order up to the first and the run is read (an offset skips rows cheaper than numbering them).
    /// </summary>
    private static async Task<RankedWaits> RankedAsync(Scope q, string table, string column, int cases, CancellationToken ct)
    {
        var runs = new List<(int First, int Count)>();
        foreach (var rank in RankedWaits.RanksNeeded(cases))
        {
            if (runs.Count > 0 && runs[^1].First + runs[^1].Count == rank)
            {
                runs[^1] = (runs[^1].First, runs[^1].Count + 1);
            }
            else
            {
                runs.Add((rank, 1));
            }
        }

        var reads = runs.Select(async run =>
        {
            var sql = $"""
                select {column} from {q.Schema}.{table}
                where area = @area and {column} is not null and requested_ticks >= @start and requested_ticks < @end
                order by {column}
                offset @first limit @count
                """;
            await using var connection = await q.OpenAsync(ct);
            await using var command = q.Command(sql, connection);
            command.Parameters.AddWithValue("first", (long)run.First);
            command.Parameters.AddWithValue("count", (long)run.Count);
            var read = new List<(int Rank, long Ticks)>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                read.Add((run.First + read.Count, reader.GetInt64(0)));
            }

            return read;
        });

        // One snapshot for the count and the walks, so every rank is there.
        return new RankedWaits(cases, (await Task.WhenAll(reads)).SelectMany(r => r).ToDictionary(r => r.Rank, r => r.Ticks));
    }

    private static void Add(Dictionary<string, int> counts, string key, int n) => counts[key] = counts.GetValueOrDefault(key) + n;

    private static void AddKey(Dictionary<string, int> counts, NpgsqlDataReader reader, int ordinal, int n)
    {
        if (!reader.IsDBNull(ordinal))
        {
            Add(counts, reader.GetString(ordinal), n);
        }
    }
}
