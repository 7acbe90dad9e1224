using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace ReferralNetwork.Bench.Intake;

/// <summary>
/// How much work the network's PostgreSQL and broker did, as their own cumulative counters say: transactions
/// committed in every database, messages published and delivered. Read before and after a phase, the
/// difference divided by the referrals submitted is the work one referral costs, which is what sets the
/// rate two cores can take.
/// </summary>
public sealed class WorkCounters(string anyDatabase, string managementUrl, string userName, string password) : IDisposable
{
    public sealed record Reading(long Commits, long Published, long Delivered);

    private readonly HttpClient broker = new()
    {
        BaseAddress = new Uri(managementUrl),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{userName}:{password}"))) },
    };

    public async Task<Reading> ReadAsync(CancellationToken ct)
    {
        // The statistics are flushed by each backend within a second or so of its transactions ending.
        await using var connection = new NpgsqlConnection(anyDatabase);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("select coalesce(sum(xact_commit), 0)::bigint from pg_stat_database where datname is not null", connection);
        var commits = (long)(await command.ExecuteScalarAsync(ct))!;

        using var overview = JsonDocument.Parse(await broker.GetStringAsync("api/overview", ct));
        var stats = overview.RootElement.TryGetProperty("message_stats", out var s) ? s : default;
        return new Reading(commits, Count(stats, "publish"), Count(stats, "deliver_get"));
    }

    private static long Count(JsonElement stats, string name) =>
        stats.ValueKind == JsonValueKind.Object && stats.TryGetProperty(name, out var value) && value.TryGetInt64(out var count) ? count : 0;

    public void Dispose() => broker.Dispose();
}
