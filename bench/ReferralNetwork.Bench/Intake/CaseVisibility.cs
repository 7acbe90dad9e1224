using Npgsql;

namespace ReferralNetwork.Bench.Intake;

/// <summary>
/// When each referral became a case a link worker can see: the time its case's first event was written
/// in the link-worker service's event store (the case list is an inline projection of that stream, so it
/// is visible from the same commit).
/// </summary>
public static class CaseVisibility
{
    /// <summary>Waits up to <paramref name="patience"/> for every referral to be a case; returns when each became one.</summary>
    public static async Task<IReadOnlyDictionary<Guid, DateTimeOffset>> WaitForCasesAsync(
        string linkWorkersDatabase, IReadOnlyCollection<Guid> referralIds, TimeSpan patience, CancellationToken ct)
    {
        var opened = new Dictionary<Guid, DateTimeOffset>();
        var deadline = DateTimeOffset.UtcNow + patience;
        await using var source = NpgsqlDataSource.Create(linkWorkersDatabase);
        while (true)
        {
            var missing = referralIds.Where(id => !opened.ContainsKey(id)).ToArray();
            if (missing.Length > 0)
            {
                await using var command = source.CreateCommand(
                    "select stream_id, min(timestamp) from linkworkers.mt_events where stream_id = any($1) group by stream_id");
                command.Parameters.Add(new NpgsqlParameter { Value = missing });
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    opened[reader.GetGuid(0)] = reader.GetFieldValue<DateTimeOffset>(1);
                }
            }

            if (opened.Count == referralIds.Count || DateTimeOffset.UtcNow > deadline)
            {
                return opened;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }
}
