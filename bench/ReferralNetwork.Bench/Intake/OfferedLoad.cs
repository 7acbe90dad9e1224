using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ReferralNetwork.Bench.Intake;

/// <summary>One referral submitted: when it was due, how long until its answer, what the answer was.</summary>
public sealed record Submission(DateTimeOffset DueAt, double LatencyMs, HttpStatusCode? Status, Guid? ReferralId);

/// <summary>
/// An open load: referrals are due at a fixed rate whatever the answers do, over a fixed number of
/// connections, each with its own Idempotency-Key. Latency counts from when a submission was due, not
/// when it could be sent, so a slow answer that holds up the ones behind it is charged to them too
/// (no coordinated omission).
/// </summary>
public static class OfferedLoad
{
    /// <summary>The referral a GP practice sends; the same person each time (nothing checks for repeats).</summary>
    private static readonly byte[] Body = JsonSerializer.SerializeToUtf8Bytes(new
    {
        person = new
        {
            givenName = "Ada", familyName = "Lovelace", dateOfBirth = "1950-12-10", nhsNumber = "9434765919", postcode = "L1 8JQ",
            phone = "07700900123", preferredContact = "phone", language = "en",
        },
        needs = new[] { "loneliness", "physical-activity" },
        reason = "Recently bereaved, isolated since moving.",
        urgency = "routine",
        consent = new { given = true, recordedAt = "2026-11-20T10:00:00Z", shareWithReferrer = "full" },
    });

    public static async Task<IReadOnlyList<Submission>> RunAsync(Uri target, string token, double perSecond, TimeSpan duration, int connections, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler) { BaseAddress = target, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var total = (int)Math.Round(perSecond * duration.TotalSeconds);
        var submissions = new Task<Submission>[total];
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, ct);
            }

            submissions[i] = SubmitAsync(client, started + due, clock, due, ct);
        }

        return await Task.WhenAll(submissions);
    }

    private static async Task<Submission> SubmitAsync(HttpClient client, DateTimeOffset dueAt, Stopwatch clock, TimeSpan due, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/referrals") { Content = new ByteArrayContent(Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        try
        {
            using var response = await client.SendAsync(request, ct);
            Guid? id = null;
            if (response.StatusCode == HttpStatusCode.Created)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
                id = body.RootElement.GetProperty("id").GetGuid();
            }

            return new Submission(dueAt, (clock.Elapsed - due).TotalMilliseconds, response.StatusCode, id);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new Submission(dueAt, (clock.Elapsed - due).TotalMilliseconds, null, null);
        }
    }
}
