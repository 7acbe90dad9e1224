using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Npgsql;

namespace ReferralNetwork.EndToEndTests.Security;

/// <summary>
/// Issue 12 item 3 and partner-api.md §9: after an erasure no database and no queue of the network holds
/// the person or free text about them, while the referral keeps its history and still counts.
/// </summary>
[Collection(RunningNetworkCollection.Name)]
public class ErasureTests(RunningNetwork network)
{
    private static readonly string[] Databases = ["referralsdb", "linkworkersdb", "providersdb", "feedbackdb", "gatewaydb"];

    [Fact]
    public async Task An_erased_person_is_in_no_database_and_no_queue_and_their_referral_keeps_its_history()
    {
        // Every name and free text carries the marker, so one search finds any of them.
        var marker = "zq" + Guid.NewGuid().ToString("N")[..10];
        var nhsNumber = RandomNhsNumber();
        var journey = await Journey.StartAsync(network, "erasure");
        using var hooks = new Hooks();
        await Json.ReadAsync(await journey.Gp.Client.PostAsJsonAsync("/api/subscriptions", new { url = hooks.Url, secret = "erasure-test-secret-0123456789" }));

        var submit = Submit(marker, nhsNumber);
        var idempotencyKey = Guid.NewGuid().ToString();
        var id = (await Json.ReadAsync(await journey.Gp.Client.SendAsync(Keyed(submit, idempotencyKey)))).GetProperty("id").GetGuid();
        await journey.SeenByGpAsync(id, r => r.GetProperty("linkWorkerService").ValueKind == JsonValueKind.Object, "routing");
        var lw = journey.LinkWorkers.Client;
        await Json.ReadAsync(await lw.PostAsJsonAsync($"/api/cases/{id}/accept", new { }));
        await Json.ReadAsync(await lw.PostAsJsonAsync($"/api/cases/{id}/contacts", new { outcome = "reached" }));
        await Json.ReadAsync(await lw.PostAsJsonAsync($"/api/cases/{id}/assessment", new
        {
            whatMatters = $"Seeing her grandson {marker} again.", needs = new[] { "loneliness" }, interests = new[] { $"knitting {marker}" },
            barriers = new[] { "mobility" },
        }));
        var onward = (await Eventually.GetAsync<JsonElement?>(async () =>
        {
            var response = await lw.PostAsJsonAsync($"/api/cases/{id}/onward-referrals", new { serviceId = journey.ServiceId, note = $"Prefers mornings, {marker}." });
            return response.StatusCode == HttpStatusCode.Created ? await Json.ReadAsync(response) : null;
        }, "the link-worker service's directory copy"))!.Value.GetProperty("id").GetGuid();

        var provider = journey.Provider.Client;
        await journey.InboxItemAsync(journey.Provider, onward);
        await Json.ReadAsync(await provider.PostAsync($"/api/provider/referrals/{onward}/acknowledge", null));
        await Json.ReadAsync(await provider.PostAsync($"/api/provider/referrals/{onward}/accept", null));
        await Json.ReadAsync(await provider.PostAsJsonAsync($"/api/provider/referrals/{onward}/attendance",
            new { date = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd"), attended = true }));
        await journey.SeenByGpAsync(id, r => Journey.OnwardStatus(r, onward) == "in-progress", "the attendance");
        await Json.ReadAsync(await provider.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = $"{marker} came to her first walk." }));
        await Json.ReadAsync(await provider.PostAsJsonAsync($"/api/provider/referrals/{onward}/complete", new { summary = $"{marker} walks weekly now." }));
        await journey.SeenByGpAsync(id, r => Journey.OnwardStatus(r, onward) == "completed", "the provider's completion");
        await Eventually.GetAsync<string>(async () => (await lw.PostAsJsonAsync("/api/outcomes", new
        {
            referralId = id, instrument = "goals", timepoint = "baseline", goals = new[] { new { goal = $"Visit {marker}'s sister", score = 3 } },
        })).StatusCode == HttpStatusCode.Created ? "ok" : null, "the feedback service to know the referral");
        await Json.ReadAsync(await lw.PostAsJsonAsync($"/api/cases/{id}/close", new { outcome = "goals-met", summary = $"{marker} feels less alone." }));
        await journey.SeenByGpAsync(id, r => r.GetProperty("status").GetString() == "completed", "completion");
        await Json.ReadAsync(await journey.Gp.Client.PostAsJsonAsync("/api/feedback", new { referralId = id, rating = 5, comment = $"{marker} loved it." }));
        await Eventually.GetAsync<string>(() => hooks.Bodies.Any(b => b.Contains("referral.completed") && b.Contains(marker)) ? "sent" : null,
            "the webhook with the message back");
        var feedBefore = await FeedOfAsync(journey.Gp, id);

        // The search finds the person everywhere before, so finding nothing afterwards means something.
        foreach (var database in Databases[..4])
        {
            Assert.NotEmpty(await TablesHoldingAsync(database, marker, nhsNumber));
        }

        var operatorClient = await network.OperatorAsync();
        var requested = await operatorClient.PostAsJsonAsync("/api/admin/erasures", new { nhsNumber });
        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        var erasure = await Json.ReadAsync(requested);
        Assert.Equal("requested", erasure.GetProperty("status").GetString());
        var erasureId = erasure.GetProperty("id").GetGuid();
        Assert.Equal($"/api/admin/erasures/{erasureId}", requested.Headers.Location?.OriginalString);

        var completed = await Eventually.GetAsync<JsonElement?>(async () =>
        {
            var now = await Json.ReadAsync(await operatorClient.GetAsync($"/api/admin/erasures/{erasureId}"));
            return now.GetProperty("status").GetString() == "completed" ? now : null;
        }, "the erasure in every service", seconds: 90);
        var services = completed!.Value.GetProperty("services");
        foreach (var service in new[] { "referrals", "linkworkers", "communityproviders", "feedback" })
        {
            Assert.Equal("completed", services.GetProperty(service).GetString());
        }

        Assert.Equal(1, completed.Value.GetProperty("referrals").GetInt32());

        foreach (var database in Databases)
        {
            var holding = await TablesHoldingAsync(database, marker, nhsNumber);
            Assert.True(holding.Count == 0, $"{database} still holds the person in: {string.Join(", ", holding)}");
        }

        var queued = await QueuesHoldingAsync(marker, nhsNumber);
        Assert.True(queued.Count == 0, $"The broker still holds the person in: {string.Join(", ", queued)}");

        // The referral keeps its id, status, pathway, needs and history; the person is gone from it.
        var referral = await Json.ReadAsync(await journey.Gp.Client.GetAsync($"/api/referrals/{id}"));
        Assert.Equal("completed", referral.GetProperty("status").GetString());
        Assert.Equal("gp", referral.GetProperty("pathway").GetString());
        Assert.Equal(2, referral.GetProperty("needs").GetArrayLength());
        Assert.Equal("(erased)", referral.GetProperty("person").GetProperty("givenName").GetString());
        Assert.Equal(JsonValueKind.Null, referral.GetProperty("person").GetProperty("nhsNumber").ValueKind);
        var feedAfter = await FeedOfAsync(journey.Gp, id);
        // Reports mirrored late (a measure) may add events; none written before is lost.
        Assert.Subset(feedAfter.Select(e => e.GetProperty("id").GetGuid()).ToHashSet(), feedBefore.Select(e => e.GetProperty("id").GetGuid()).ToHashSet());
        Assert.DoesNotContain(marker, string.Join("", feedAfter.Select(e => e.GetRawText())));
        var message = await Json.ReadAsync(await journey.Gp.Client.GetAsync($"/api/referrals/{id}/message-back"));
        Assert.Contains("871731000000106", message.GetRawText());

        // Nothing new is recorded about the person, and a retried submission neither recreates them nor answers with them.
        var refused = await journey.Gp.Client.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = "Any news?" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var replay = await journey.Gp.Client.SendAsync(Keyed(submit, idempotencyKey));
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        var replayed = await replay.Content.ReadAsStringAsync();
        Assert.Contains(id.ToString(), replayed);
        Assert.DoesNotContain(marker, replayed);
    }

    [Fact]
    public async Task Only_the_operator_erases_and_a_bad_request_changes_nothing()
    {
        var journey = await Journey.StartAsync(network, "erasure-rules");
        var gpAttempt = await journey.Gp.Client.PostAsJsonAsync("/api/admin/erasures", new { nhsNumber = "9434765919" });
        Assert.Equal(HttpStatusCode.Forbidden, gpAttempt.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await journey.Gp.Client.GetAsync($"/api/admin/erasures/{Guid.NewGuid()}")).StatusCode);

        var operatorClient = await network.OperatorAsync();
        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { }, "referralId"),
            (new { nhsNumber = "1234567890" }, "nhsNumber"),
            (new { referralId = Guid.NewGuid(), nhsNumber = "9434765919" }, "nhsNumber"),
        })
        {
            var response = await operatorClient.PostAsJsonAsync("/api/admin/erasures", body);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"{field} named in the problem");
        }

        var unknown = await operatorClient.PostAsJsonAsync("/api/admin/erasures", new { referralId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.GetAsync($"/api/admin/erasures/{Guid.NewGuid()}")).StatusCode);

        // A referral nobody erased is untouched by all of that.
        var id = await journey.ReferralInProgressAsync();
        var referral = await Json.ReadAsync(await journey.Gp.Client.GetAsync($"/api/referrals/{id}"));
        Assert.Equal("Ada", referral.GetProperty("person").GetProperty("givenName").GetString());
    }

    private static object Submit(string marker, string nhsNumber) => new
    {
        person = new
        {
            givenName = $"Ezmerelda{marker}", familyName = $"Quill{marker}", dateOfBirth = "1948-03-02", nhsNumber, postcode = "L1 8JQ",
            phone = "07700900999", email = $"{marker}@example.org", preferredContact = "phone", language = "en", accessibilityNeeds = $"hearing loop {marker}",
        },
        needs = new[] { "loneliness", "physical-activity" },
        reason = $"Widowed, {marker} rarely leaves the house.",
        urgency = "routine",
        consent = new { given = true, recordedAt = "2026-11-20T10:00:00Z", shareWithReferrer = "full" },
    };

    private static HttpRequestMessage Keyed(object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/referrals") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private static async Task<List<JsonElement>> FeedOfAsync(Partner partner, Guid referralId) =>
        (await Json.ReadAsync(await partner.Client.GetAsync("/api/events?limit=500"))).GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("referralId").GetGuid() == referralId).ToList();

    /// <summary>Every table of the database, whatever its schema, whose rows mention either string.</summary>
    private async Task<List<string>> TablesHoldingAsync(string database, string marker, string nhsNumber)
    {
        await using var source = NpgsqlDataSource.Create((await network.App.GetConnectionStringAsync(database))!);
        var tables = new List<string>();
        await using (var list = source.CreateCommand(
            "select quote_ident(table_schema) || '.' || quote_ident(table_name) from information_schema.tables " +
            "where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')"))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var holding = new List<string>();
        foreach (var table in tables)
        {
            await using var search = source.CreateCommand($"select count(*) from {table} t where t::text like '%' || $1 || '%' or t::text like '%' || $2 || '%'");
            search.Parameters.AddWithValue(marker);
            search.Parameters.AddWithValue(nhsNumber);
            if ((long)(await search.ExecuteScalarAsync())! > 0)
            {
                holding.Add(table);
            }
        }

        return holding;
    }

    /// <summary>
    /// The queues holding a message that mentions either string: dead-letter and wait queues looked at and put back
    /// (management API); a work queue, which one instance consumes at a time and RabbitMQ will not let anyone look
    /// into, must drain instead, as it does within seconds when nothing is wrong.
    /// </summary>
    private async Task<List<string>> QueuesHoldingAsync(string marker, string nhsNumber)
    {
        var reading = await network.QueuesAsync();
        Assert.True(reading.Succeeded, reading.Problem);
        var holding = new List<string>();
        foreach (var queue in reading.Queues.Where(q => q.Messages > 0))
        {
            if (!queue.IsDeadLetterQueue && !queue.Name.EndsWith("_wait", StringComparison.Ordinal))
            {
                if (!await DrainsAsync(queue.Name))
                {
                    holding.Add($"{queue.Name} (did not drain, so its messages may hold the person)");
                }
                continue;
            }
            var payloads = (await network.PeekAsync(queue.Name)).GetRawText();
            if (payloads.Contains(marker, StringComparison.Ordinal) || payloads.Contains(nhsNumber, StringComparison.Ordinal))
            {
                holding.Add(queue.Name);
            }
        }

        return holding;
    }

    private async Task<bool> DrainsAsync(string queue)
    {
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var reading = await network.QueuesAsync();
            if (reading.Succeeded && reading.Queues.FirstOrDefault(q => q.Name == queue) is { Messages: 0 })
            {
                return true;
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        return false;
    }

    private static string RandomNhsNumber()
    {
        while (true)
        {
            var digits = Enumerable.Range(0, 9).Select(_ => Random.Shared.Next(10)).ToArray();
            var check = 11 - (digits.Select((d, i) => d * (10 - i)).Sum() % 11);
            if (check == 11)
            {
                check = 0;
            }

            if (check != 10)
            {
                return string.Concat(digits) + check;
            }
        }
    }

    /// <summary>The GP's webhook endpoint, keeping every body it is sent.</summary>
    private sealed class Hooks() : LoopbackReceiver("/erasure-hooks/")
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Bodies { get; } = new();

        protected override async Task AnswerAsync(HttpListenerContext context)
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            Bodies.Enqueue(await reader.ReadToEndAsync());
            context.Response.StatusCode = 200;
        }
    }
}
