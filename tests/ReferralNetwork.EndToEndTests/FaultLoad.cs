using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests;

/// <summary>The steps of one journey of the load, in order. Each step done is something the network told a partner it had done.</summary>
public enum JourneyStep
{
    None,
    Submitted,
    Routed,
    Accepted,
    Contacted,
    ReferredOn,
    Acknowledged,
    TakenOn,
    Attended,
    Completed,
    Closed,
}

/// <summary>One journey of the load (or a probe referral, which is only submitted and routed), and how far it got.</summary>
public sealed class LoadJourney(int number, bool isProbe, TimeSpan began)
{
    /// <summary>The partner event each step puts on the referral, in the feeds and the timeline, exactly once.</summary>
    public static readonly IReadOnlyList<(JourneyStep Step, string Type)> Events =
    [
        (JourneyStep.Submitted, "referral.requested"),
        (JourneyStep.Accepted, "referral.accepted"),
        (JourneyStep.Contacted, "referral.contact-made"),
        (JourneyStep.ReferredOn, "onward-referral.requested"),
        (JourneyStep.Acknowledged, "onward-referral.received"),
        (JourneyStep.TakenOn, "onward-referral.accepted"),
        (JourneyStep.Attended, "onward-referral.attendance-recorded"),
        (JourneyStep.Completed, "onward-referral.completed"),
        (JourneyStep.Closed, "referral.completed"),
    ];

    public int Number => number;

    public bool IsProbe => isProbe;

    public string Key => $"{(isProbe ? "probe" : "faults")}-{number:D5}";

    public TimeSpan Began => began;

    public TimeSpan? Ended { get; set; }

    public Guid ReferralId { get; set; }

    public Guid OnwardId { get; set; }

    public JourneyStep Done { get; set; }

    /// <summary>The step the partner could not take within its budget, with the last answer it had; null when none.</summary>
    public string? Stuck { get; set; }

    public IEnumerable<string> ExpectedEvents => Events.Where(e => e.Step <= Done).Select(e => e.Type);

    /// <summary>The onward referral's status once the provider's steps done so far have reached every copy.</summary>
    public string? ExpectedOnwardStatus => Done switch
    {
        < JourneyStep.ReferredOn => null,
        JourneyStep.ReferredOn => "requested",
        JourneyStep.Acknowledged => "received",
        JourneyStep.TakenOn => "accepted",
        JourneyStep.Attended => "in-progress",
        _ => "completed",
    };

    public override string ToString() => $"{Key} (referral {ReferralId})";
}

/// <summary>A partner could not get a step to take effect within its budget.</summary>
public sealed class StepStuck(string message) : Exception(message);

/// <summary>What the gateway answered.</summary>
public sealed record Answer(HttpStatusCode Status, string Text, string? ETag)
{
    public JsonElement Json => JsonDocument.Parse(Text).RootElement.Clone();

    public override string ToString() => $"{(int)Status} {Text[..Math.Min(Text.Length, 300)]}";
}

/// <summary>
/// A partner calling the gateway through faults. A call may fail, time out, or take effect and lose its
/// answer, so every step is tried again until it shows, in a way that cannot take effect twice: a
/// creating POST again with the same Idempotency-Key, a command with If-Match on the version just read
/// (after a lost answer the retry is a 409, and the next read shows the step done).
/// </summary>
public sealed class PatientPartner(Partner partner, TimeSpan budget)
{
    /// <summary>How long a partner waits for an answer before trying again (a paused process answers nothing).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan BetweenTries = TimeSpan.FromMilliseconds(300);

    /// <summary>POSTs with the key until it is answered 201; returns the body.</summary>
    public Task<JsonElement> CreateAsync(string path, object body, string key) =>
        UntilAsync($"POST {path} ({key})", async () =>
        {
            var answer = await SendAsync(HttpMethod.Post, path, body, key, null);
            return (answer?.Status == HttpStatusCode.Created ? answer.Json : null, answer);
        });

    /// <summary>GETs until the resource is there (and <paramref name="until"/> holds).</summary>
    public Task<JsonElement> ReadAsync(string path, Func<JsonElement, bool>? until = null) =>
        UntilAsync($"GET {path}", async () =>
        {
            var answer = await SendAsync(HttpMethod.Get, path, null, null, null);
            return (answer?.Status == HttpStatusCode.OK && (until is null || until(answer.Json)) ? answer.Json : null, answer);
        });

    /// <summary>Reads the resource at <paramref name="path"/> and, until <paramref name="done"/> holds, POSTs the command with If-Match on what it read.</summary>
    public Task<JsonElement> StepAsync(string path, string command, object body, Func<JsonElement, bool> done) =>
        UntilAsync($"POST {path}/{command}", async () =>
        {
            var read = await SendAsync(HttpMethod.Get, path, null, null, null);
            if (read?.Status != HttpStatusCode.OK)
            {
                return (null, read);
            }

            if (done(read.Json))
            {
                return (read.Json, read);
            }

            // Whatever this answers, the next read says whether it took effect.
            return (null, await SendAsync(HttpMethod.Post, $"{path}/{command}", body, null, read.ETag));
        });

    private async Task<JsonElement> UntilAsync(string what, Func<Task<(JsonElement? Done, Answer? Answer)>> attempt)
    {
        var trying = Stopwatch.StartNew();
        var last = "no answer";
        while (true)
        {
            var (done, answer) = await attempt();
            if (done is { } result)
            {
                return result;
            }

            last = answer?.ToString() ?? "no answer";
            if (trying.Elapsed > budget)
            {
                throw new StepStuck($"{what}: not done after {budget.TotalSeconds:0} s; last answer: {last}");
            }

            await Task.Delay(BetweenTries);
        }
    }

    /// <summary>One call; null when the gateway could not be reached or did not answer in time.</summary>
    private async Task<Answer?> SendAsync(HttpMethod method, string path, object? body, string? idempotencyKey, string? ifMatch)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        using var timeout = new CancellationTokenSource(RequestTimeout);
        try
        {
            using var response = await partner.Client.SendAsync(request, timeout.Token);
            return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token), response.Headers.ETag?.Tag);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return null;
        }
    }
}

/// <summary>
/// Steady load: on each of a few lanes, whole journeys one after another, as the partners of one area
/// would make them: the GP refers, the link-worker service accepts, reaches the person and refers them
/// on to a community service, the provider acknowledges, accepts, records attendance and completes, and
/// the link-worker service closes the case.
/// Also probe referrals from a second GP, to time recovery.
/// </summary>
public sealed class SteadyLoad(Journey parties, Partner probeGp, Stopwatch clock, TimeSpan stepBudget)
{
    private static readonly string[] ProviderSteps = ["requested", "received", "accepted", "in-progress", "completed"];

    private readonly PatientPartner gp = new(parties.Gp, stepBudget);
    private readonly PatientPartner linkWorkers = new(parties.LinkWorkers, stepBudget);
    private readonly PatientPartner provider = new(parties.Provider, stepBudget);
    private readonly PatientPartner prober = new(probeGp, stepBudget);
    private readonly ConcurrentQueue<LoadJourney> journeys = new();
    private readonly List<Task> lanes = [];
    private readonly CancellationTokenSource stopping = new();
    private int numbers;

    public Journey Parties => parties;

    public Partner ProbeGp => probeGp;

    /// <summary>Every journey and probe begun so far.</summary>
    public IReadOnlyList<LoadJourney> Journeys => [.. journeys];

    public void Start(int laneCount)
    {
        for (var lane = 0; lane < laneCount; lane++)
        {
            lanes.Add(Task.Run(async () =>
            {
                while (!stopping.IsCancellationRequested)
                {
                    await RunAsync(Begin(isProbe: false), WholeJourneyAsync);
                    await Task.Delay(200);
                }
            }));
        }
    }

    /// <summary>Lets every lane finish the journey it is on (each step within its budget) and begin no more.</summary>
    public async Task StopAsync()
    {
        await stopping.CancelAsync();
        await Task.WhenAll(lanes);
    }

    /// <summary>A referral from the probe GP, submitted until accepted and waited for at the link-worker service.</summary>
    public Task<LoadJourney> ProbeAsync() =>
        RunAsync(Begin(isProbe: true), async probe =>
        {
            probe.ReferralId = (await prober.CreateAsync("/api/referrals", FaultTests.Referral(), probe.Key)).GetProperty("id").GetGuid();
            probe.Done = JourneyStep.Submitted;
            await linkWorkers.ReadAsync($"/api/cases/{probe.ReferralId}");
            probe.Done = JourneyStep.Routed;
        });

    private LoadJourney Begin(bool isProbe)
    {
        var journey = new LoadJourney(Interlocked.Increment(ref numbers), isProbe, clock.Elapsed);
        journeys.Enqueue(journey);
        return journey;
    }

    private async Task<LoadJourney> RunAsync(LoadJourney journey, Func<LoadJourney, Task> steps)
    {
        try
        {
            await steps(journey);
        }
        catch (StepStuck stuck)
        {
            journey.Stuck = stuck.Message;
        }

        journey.Ended = clock.Elapsed;
        return journey;
    }

    private async Task WholeJourneyAsync(LoadJourney journey)
    {
        journey.ReferralId = (await gp.CreateAsync("/api/referrals", FaultTests.Referral(), journey.Key)).GetProperty("id").GetGuid();
        journey.Done = JourneyStep.Submitted;

        var casePath = $"/api/cases/{journey.ReferralId}";
        await linkWorkers.ReadAsync(casePath);
        journey.Done = JourneyStep.Routed;
        await linkWorkers.StepAsync(casePath, "accept", new { }, c => Status(c) is "accepted" or "in-progress");
        journey.Done = JourneyStep.Accepted;
        await linkWorkers.StepAsync(casePath, "contacts", new { outcome = "reached" }, c => Status(c) == "in-progress");
        journey.Done = JourneyStep.Contacted;
        // Until the link-worker service's copy of the directory has the service, this is a 422: a partner tries again.
        journey.OnwardId = (await linkWorkers.CreateAsync($"{casePath}/onward-referrals", new { serviceId = parties.ServiceId }, journey.Key + "-onward"))
            .GetProperty("id").GetGuid();
        journey.Done = JourneyStep.ReferredOn;

        var inboxPath = $"/api/provider/referrals/{journey.OnwardId}";
        await provider.ReadAsync(inboxPath);
        foreach (var (command, body, status, step) in new (string, object, string, JourneyStep)[]
        {
            ("acknowledge", new { }, "received", JourneyStep.Acknowledged),
            ("accept", new { }, "accepted", JourneyStep.TakenOn),
            ("attendance", new { date = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd"), attended = true }, "in-progress", JourneyStep.Attended),
            ("complete", new { summary = "Walks weekly now." }, "completed", JourneyStep.Completed),
        })
        {
            await provider.StepAsync(inboxPath, command, body, r => Array.IndexOf(ProviderSteps, Status(r)) >= Array.IndexOf(ProviderSteps, status));
            journey.Done = step;
        }

        // As a link worker would, close once the case shows the provider's completion (it comes by message).
        await linkWorkers.ReadAsync(casePath, c => c.GetProperty("onwardReferrals").EnumerateArray().Any(o => Status(o) == "completed"));
        await linkWorkers.StepAsync(casePath, "close", new { outcome = "goals-met", summary = "Walking weekly, feels less alone." }, c => Status(c) == "completed");
        journey.Done = JourneyStep.Closed;
    }

    private static string? Status(JsonElement resource) => resource.GetProperty("status").GetString();
}
