using System.Diagnostics;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests;

public enum Finding
{
    /// <summary>Something the network acknowledged to a partner is not there, and no dead letter holds it.</summary>
    Lost,

    /// <summary>Something is there more than once.</summary>
    Duplicated,

    /// <summary>Something is held where it does not move on by itself (a message in an <c>_error</c> queue, a queue that does not drain), or a step a partner kept trying never took effect.</summary>
    Stuck,

    /// <summary>
    /// A message in a <c>_skipped</c> queue: no consumer took it. MassTransit parks there a message the
    /// inbox dropped as a copy of one already handled, so with nothing lost or duplicated it is that: no
    /// harm done, but a dead letter an operator is alerted to and would move back for nothing.
    /// </summary>
    Skipped,
}

/// <summary>One thing the reconciliation found wrong, about a journey of the load, or about none it can name.</summary>
public sealed record Problem(Finding Kind, LoadJourney? Journey, string What)
{
    public override string ToString() => $"{Kind}: {Journey?.ToString() ?? "(no journey)"}: {What}";
}

/// <summary>
/// After the faults, compares what the partners were told with what the network holds, through the
/// gateway as the partners see it: every referral once at the referral service and once as a case,
/// every onward referral once at its provider, each step's event once in every party's feed and in the
/// timeline, the feedback service's counts in the commissioner's report, and (through the broker's
/// management API) no dead letters and no queue left holding messages.
/// </summary>
public sealed class Reconciliation(FaultNetwork network, SteadyLoad load, Partner commissioner)
{
    /// <param name="settle">How long what travels by message may take to arrive everywhere.</param>
    public async Task<IReadOnlyList<Problem>> RunAsync(TimeSpan settle)
    {
        var journeys = load.Journeys.Where(j => j.Done >= JourneyStep.Submitted).ToList();
        var waited = Stopwatch.StartNew();
        List<Problem> found;
        while (true)
        {
            try
            {
                found = await CopiesAsync(journeys);
            }
            catch (Exception) when (waited.Elapsed < settle)
            {
                found = [new Problem(Finding.Stuck, null, "the network did not answer the reconciliation")];
            }

            if (found.Count == 0 || waited.Elapsed > settle)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        found.AddRange(await TimelinesAsync(journeys));
        var deadLetters = await DeadLettersAsync(journeys);
        // What a dead letter holds is not lost but stuck there, until an operator moves it back.
        var held = deadLetters.Where(p => p.Kind == Finding.Stuck && p.Journey is not null).Select(p => p.Journey!).ToHashSet();
        found = [.. found.Select(p => p.Kind == Finding.Lost && p.Journey is not null && held.Contains(p.Journey) ? p with { Kind = Finding.Stuck } : p)];
        found.AddRange(deadLetters);
        found.AddRange(load.Journeys.Where(j => j.Stuck is not null).Select(j => new Problem(Finding.Stuck, j, j.Stuck!)));
        return found;
    }

    /// <summary>Each party's copies, as lists and feeds.</summary>
    private async Task<List<Problem>> CopiesAsync(List<LoadJourney> journeys)
    {
        var parties = load.Parties;
        var wholeJourneys = journeys.Where(j => !j.IsProbe).ToList();
        var referredOn = journeys.Where(j => j.Done >= JourneyStep.ReferredOn).ToList();
        var found = new List<Problem>();

        var referrals = (await Json.ReadAllPagesAsync(parties.Gp.Client, "/api/referrals"))
            .Concat(await Json.ReadAllPagesAsync(load.ProbeGp.Client, "/api/referrals"));
        found.AddRange(Once("at the referral service", referrals, journeys, j => j.ReferralId, _ => null, (j, referral) =>
            StatusAsExpected("at the referral service", j, referral).Concat(OnwardAsExpected("at the referral service", j, referral))));

        var cases = await Json.ReadAllPagesAsync(parties.LinkWorkers.Client, "/api/cases");
        found.AddRange(Once("as a case", cases, journeys, j => j.ReferralId, _ => null, (j, @case) =>
            StatusAsExpected("as a case", j, @case)
                .Concat(CountAsExpected("contacts on the case", j, @case.GetProperty("contacts").GetArrayLength(), j.Done >= JourneyStep.Contacted ? 1 : 0))
                .Concat(OnwardAsExpected("on the case", j, @case))));

        var atProvider = await Json.ReadAllPagesAsync(parties.Provider.Client, "/api/provider/referrals");
        found.AddRange(Once("at the provider", atProvider, referredOn, j => j.OnwardId,
            item => journeys.FirstOrDefault(j => j.ReferralId == item.GetProperty("referralId").GetGuid()), (j, item) =>
            {
                var status = item.GetProperty("status").GetString();
                return (status == j.ExpectedOnwardStatus ? [] : new[] { Missing(j, $"the provider shows the onward referral {status}, not {j.ExpectedOnwardStatus}") })
                    .Concat(CountAsExpected("attendances at the provider", j, item.GetProperty("attendances").GetArrayLength(), j.Done >= JourneyStep.Attended ? 1 : 0));
            }));

        // The feeds, read from the start; the GP's in two page sizes, since the cursor must neither skip nor repeat.
        foreach (var (whose, client, expected, pageSize) in new (string, HttpClient, List<LoadJourney>, int)[]
        {
            ("the GP's feed", parties.Gp.Client, wholeJourneys, 500),
            ("the GP's feed in pages of 37", parties.Gp.Client, wholeJourneys, 37),
            ("the probe GP's feed", load.ProbeGp.Client, journeys.Where(j => j.IsProbe).ToList(), 500),
            ("the link-worker service's feed", parties.LinkWorkers.Client, journeys, 500),
            // The provider follows only the referrals it holds an onward referral on, from then on: nothing twice.
            ("the provider's feed", parties.Provider.Client, [], 500),
        })
        {
            var feed = await Json.ReadFeedAsync(client, pageSize);
            found.AddRange(feed.GroupBy(e => e.GetProperty("id").GetString()).Where(g => g.Count() > 1).Select(g => new Problem(Finding.Duplicated,
                journeys.FirstOrDefault(j => j.ReferralId == g.First().GetProperty("referralId").GetGuid()),
                $"{whose}: event {g.Key} ({g.First().GetProperty("type").GetString()}) {g.Count()} times")));
            var byReferral = feed.ToLookup(e => e.GetProperty("referralId").GetGuid(), e => e.GetProperty("type").GetString()!);
            foreach (var journey in journeys)
            {
                found.AddRange(EventsAsExpected(whose, journey, byReferral[journey.ReferralId], expected.Contains(journey)));
            }
        }

        found.AddRange(await ReportAsExpectedAsync(journeys));
        return found;
    }

    /// <summary>
    /// The feedback service's copy of the journeys, as the area's commissioner reads it: counts only, so
    /// a difference names no journey.
    /// </summary>
    private async Task<IEnumerable<Problem>> ReportAsExpectedAsync(List<LoadJourney> journeys)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var report = await Json.ReadAsync(await commissioner.Client.GetAsync(
            $"/api/reports/summary?area={load.Parties.Area}&from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}"));
        var onward = report.GetProperty("onwardReferrals");
        return new (string What, JsonElement Figure, int Expected)[]
        {
            ("referrals", report.GetProperty("referrals").GetProperty("total"), journeys.Count),
            ("referrals accepted", report.GetProperty("funnel").GetProperty("accepted"), journeys.Count(j => j.Done >= JourneyStep.Accepted)),
            ("referrals completed", report.GetProperty("funnel").GetProperty("completed"), journeys.Count(j => j.Done >= JourneyStep.Closed)),
            ("onward referrals", onward.GetProperty("total"), journeys.Count(j => j.Done >= JourneyStep.ReferredOn)),
            ("onward referrals completed", onward.GetProperty("byStatus").GetProperty("completed"), journeys.Count(j => j.Done >= JourneyStep.Completed)),
        }
        .Select(f => (f.What, Counted: f.Figure.GetProperty("value") is { ValueKind: JsonValueKind.Number } value ? value.GetInt32() : (int?)null, f.Expected))
        // A count under the report's suppression threshold is not shown; the load makes far more.
        .Where(f => f.Counted != f.Expected)
        .Select(f => new Problem(f.Counted > f.Expected ? Finding.Duplicated : Finding.Lost, null,
            $"the commissioner's report counts {f.Counted?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "a suppressed number of"} {f.What}, not {f.Expected}"));
    }

    /// <summary>Each journey's timeline as its GP sees it: every step's event once, no sequence number twice.</summary>
    private async Task<List<Problem>> TimelinesAsync(List<LoadJourney> journeys)
    {
        var found = new List<Problem>();
        foreach (var journey in journeys.Where(j => !j.IsProbe))
        {
            var timeline = (await Json.ReadAsync(await load.Parties.Gp.Client.GetAsync($"/api/referrals/{journey.ReferralId}/timeline"))).EnumerateArray().ToList();
            found.AddRange(timeline.GroupBy(e => e.GetProperty("sequence").GetInt64()).Where(g => g.Count() > 1)
                .Select(g => new Problem(Finding.Duplicated, journey, $"the timeline has sequence {g.Key} {g.Count()} times")));
            found.AddRange(EventsAsExpected("the timeline", journey, timeline.Select(e => e.GetProperty("type").GetString()!), expectsAll: true));
        }

        return found;
    }

    /// <summary>
    /// Every message in an <c>_error</c> or <c>_skipped</c> queue (named by its type and the exception
    /// that put it there, and given to the journey it mentions), and any queue that does not drain.
    /// </summary>
    private async Task<List<Problem>> DeadLettersAsync(List<LoadJourney> journeys)
    {
        var reading = await network.QueuesAsync();
        Assert.True(reading.Succeeded, reading.Problem);
        Assert.NotEmpty(reading.Queues);
        var found = new List<Problem>();
        foreach (var queue in reading.DeadLetterQueues.Where(q => q.Messages > 0))
        {
            foreach (var message in (await network.PeekAsync(queue.Name)).EnumerateArray())
            {
                var payload = message.GetProperty("payload").GetString() ?? "";
                // A message without properties has them as [] rather than {}.
                var headers = message.GetProperty("properties") is { ValueKind: JsonValueKind.Object } properties && properties.TryGetProperty("headers", out var h) ? h : default;
                found.Add(new Problem(queue.IsSkippedQueue ? Finding.Skipped : Finding.Stuck,
                    journeys.FirstOrDefault(j => payload.Contains(j.ReferralId.ToString(), StringComparison.Ordinal)),
                    queue.IsSkippedQueue
                        ? $"{queue.Name}: {Envelope(payload, "messageType")} {Envelope(payload, "messageId")}, {(message.GetProperty("redelivered").GetBoolean() ? "redelivered" : "not redelivered")} by the broker, {Header(headers, "MT-Reason")}"
                        : $"{queue.Name}: {Envelope(payload, "messageType")}: {Header(headers, "MT-Fault-ExceptionType")}: {Header(headers, "MT-Fault-Message")}"));
            }
        }

        // The management API samples queue lengths every few seconds: a queue counts as not draining when a later reading still has messages in it.
        var busy = reading.Queues.Where(q => !q.IsDeadLetterQueue && q.Messages > 0).Select(q => q.Name).ToHashSet();
        if (busy.Count > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(10));
            var later = await network.QueuesAsync();
            found.AddRange(later.Queues.Where(q => busy.Contains(q.Name) && q.Messages > 0)
                .Select(q => new Problem(Finding.Stuck, null, $"{q.Name} still holds {q.Messages} messages ({q.Consumers} consumers)")));
        }

        return found;
    }

    /// <summary>
    /// Each expected journey's item once among <paramref name="items"/> (by <paramref name="keyOf"/>), checked
    /// with <paramref name="check"/>; an item no partner call made is a duplicate, of the journey <paramref name="ownerOf"/> names.
    /// </summary>
    private static IEnumerable<Problem> Once(
        string where, IEnumerable<JsonElement> items, IEnumerable<LoadJourney> expected, Func<LoadJourney, Guid> keyOf,
        Func<JsonElement, LoadJourney?> ownerOf, Func<LoadJourney, JsonElement, IEnumerable<Problem>> check)
    {
        var byId = items.ToLookup(i => i.GetProperty("id").GetGuid());
        var keys = new HashSet<Guid>();
        foreach (var journey in expected)
        {
            var key = keyOf(journey);
            keys.Add(key);
            var copies = byId[key].ToList();
            if (copies.Count == 0)
            {
                yield return Missing(journey, $"{key} is not {where}");
            }
            else if (copies.Count > 1)
            {
                yield return new Problem(Finding.Duplicated, journey, $"{key} is {where} {copies.Count} times");
            }
            else
            {
                foreach (var problem in check(journey, copies[0]))
                {
                    yield return problem;
                }
            }
        }

        foreach (var extra in byId.Where(g => !keys.Contains(g.Key)))
        {
            yield return new Problem(Finding.Duplicated, ownerOf(extra.First()), $"{extra.Key} is {where} though no partner call made it");
        }
    }

    /// <summary>The referral's status as the link-worker service's steps so far leave it.</summary>
    private static IEnumerable<Problem> StatusAsExpected(string where, LoadJourney journey, JsonElement referral)
    {
        var status = referral.GetProperty("status").GetString();
        var expected = journey.Done switch
        {
            >= JourneyStep.Closed => "completed",
            >= JourneyStep.Contacted => "in-progress",
            >= JourneyStep.Accepted => "accepted",
            _ => "requested",
        };
        return status == expected ? [] : [Missing(journey, $"{where}: status {status}, not {expected}")];
    }

    /// <summary>The journey's one onward referral, in the status the provider's steps left it, in a referral's or a case's copy.</summary>
    private static IEnumerable<Problem> OnwardAsExpected(string where, LoadJourney journey, JsonElement referral)
    {
        var onward = referral.GetProperty("onwardReferrals").EnumerateArray().ToList();
        var expected = journey.ExpectedOnwardStatus is null ? 0 : 1;
        if (onward.Count != expected)
        {
            return [onward.Count > expected
                ? new Problem(Finding.Duplicated, journey, $"{onward.Count} onward referrals {where}")
                : Missing(journey, $"no onward referral {where}")];
        }

        if (expected == 0)
        {
            return [];
        }

        var (id, status) = (onward[0].GetProperty("id").GetGuid(), onward[0].GetProperty("status").GetString());
        return id == journey.OnwardId && status == journey.ExpectedOnwardStatus
            ? []
            : [Missing(journey, $"the onward referral {where} is {id} {status}, not {journey.OnwardId} {journey.ExpectedOnwardStatus}")];
    }

    private static IEnumerable<Problem> CountAsExpected(string what, LoadJourney journey, int count, int expected) =>
        count == expected ? []
        : count > expected ? [new Problem(Finding.Duplicated, journey, $"{count} {what}, not {expected}")]
        : [Missing(journey, $"{count} {what}, not {expected}")];

    /// <summary>Each event type at most once on a referral, and (where the reader follows the journey) each of its steps' events exactly once.</summary>
    private static IEnumerable<Problem> EventsAsExpected(string where, LoadJourney journey, IEnumerable<string> types, bool expectsAll)
    {
        var counts = types.CountBy(t => t).ToDictionary();
        foreach (var (type, count) in counts.Where(c => c.Value > 1))
        {
            yield return new Problem(Finding.Duplicated, journey, $"{where}: {type} {count} times");
        }

        if (!expectsAll)
        {
            yield break;
        }

        foreach (var type in journey.ExpectedEvents.Where(t => !counts.ContainsKey(t)))
        {
            yield return Missing(journey, $"{where}: no {type}");
        }
    }

    private static Problem Missing(LoadJourney journey, string what) => new(Finding.Lost, journey, what);

    /// <summary>A property of MassTransit's JSON envelope (the first, for an array), or "?".</summary>
    private static string Envelope(string payload, string property)
    {
        try
        {
            using var envelope = JsonDocument.Parse(payload);
            var value = envelope.RootElement.GetProperty(property);
            return (value.ValueKind == JsonValueKind.Array ? value[0] : value).GetString() ?? "?";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return "?";
        }
    }

    private static string Header(JsonElement headers, string name) =>
        headers.ValueKind == JsonValueKind.Object && headers.TryGetProperty(name, out var value) ? value.ToString() : "?";
}
