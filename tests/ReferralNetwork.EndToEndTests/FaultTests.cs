using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Xunit.Abstractions;

namespace ReferralNetwork.EndToEndTests;

/// <summary>
/// The fault-injection suite. Under a steady load of whole journeys (referrals, accepts, contacts, onward
/// referrals and every provider step, each retried as a partner would), PostgreSQL, RabbitMQ, each service
/// and the gateway are in turn killed (SIGKILL) and paused (SIGSTOP, then SIGCONT); after each fault the
/// time until every resource is healthy and a fresh referral reaches the link-worker service is measured.
/// Then everything is reconciled through the gateway (<see cref="Reconciliation"/>): nothing lost,
/// duplicated or stuck. Last, what the services exported to the collector is searched for the person.
/// The short form runs in ./scripts/test.sh; <c>FAULTS=long</c> (./scripts/faults.sh) holds each pause
/// longer, waits longer between faults and goes round the faults more than once.
/// </summary>
[Collection(FaultNetworkCollection.Name)]
public class FaultTests(FaultNetwork network, ITestOutputHelper output)
{
    /// <summary>A person no other test uses, so any trace of them in telemetry is from here.</summary>
    private static readonly string[] PersonalValues = ["Philomena", "Quartermaine", "4872013565", "487 201 3565", "L4 0TH", "07700900456", "philomena.q@example.org", "Lost her husband in the spring"];

    /// <summary>What is broken, in this order, in each round.</summary>
    private static readonly string[] Resources = ["postgres", "rabbitmq", "linkworkers", "communityproviders", "feedback", "referrals", "gateway"];

    internal static object Referral() => new
    {
        person = new
        {
            givenName = "Philomena", familyName = "Quartermaine", dateOfBirth = "1941-03-17", nhsNumber = "4872013565", postcode = "L4 0TH",
            phone = "07700900456", email = "philomena.q@example.org", preferredContact = "phone", language = "en", accessibilityNeeds = (string?)null,
        },
        needs = new[] { "loneliness" },
        reason = "Lost her husband in the spring and has not left the house since.",
        urgency = "routine",
        consent = new { given = true, recordedAt = "2026-11-20T10:00:00Z", shareWithReferrer = "full" },
    };

    [Fact]
    public async Task Killing_and_pausing_the_database_the_broker_and_each_service_under_load_loses_duplicates_and_strands_nothing_and_nothing_personal_reaches_telemetry()
    {
        var settings = FaultSettings.FromEnvironment();
        var clock = Stopwatch.StartNew();
        var parties = await Journey.StartAsync(network, "faults", maxActiveCases: 500);
        var probeGp = await network.RegisterAsync("Faultline Probe Surgery", "gp-practice", parties.Area);
        var commissioner = await network.RegisterAsync("Faultline Commissioning", "commissioner", parties.Area);
        var load = new SteadyLoad(parties, probeGp, clock, settings.StepBudget);
        var scenarios = new List<Scenario>();
        output.WriteLine($"{settings}");

        load.Start(settings.Lanes);
        try
        {
            await Task.Delay(settings.WarmUp);
            for (var round = 1; round <= settings.Rounds; round++)
            {
                foreach (var resource in Resources)
                {
                    foreach (var kind in new[] { FaultKind.Kill, FaultKind.Pause })
                    {
                        var scenario = new Scenario(resource, kind, round) { Began = clock.Elapsed };
                        scenarios.Add(scenario);
                        output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s {scenario.Name}, {load.Journeys.Count} journeys begun so far");
                        if (kind == FaultKind.Kill)
                        {
                            scenario.Ended = scenario.Began;
                            await network.KillAsync(resource);
                        }
                        else
                        {
                            await network.PauseAsync(resource, settings.Pause);
                            scenario.Ended = clock.Elapsed;
                        }

                        var probing = TimedAsync(load.ProbeAsync, clock);
                        var healthy = TimedAsync(() => network.AllHealthyAsync(TimeSpan.FromMinutes(3)), clock);
                        scenario.Probe = (await probing).Result;
                        scenario.Recovered = new[] { (await probing).At, (await healthy).At }.Max();
                        output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s recovered from {scenario.Name} in {scenario.RecoverySeconds} s");
                        await Task.Delay(settings.Between);
                    }
                }
            }
        }
        finally
        {
            await load.StopAsync();
        }

        output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s load stopped; reconciling");
        var problems = await new Reconciliation(network, load, commissioner).RunAsync(settings.Settle);
        var report = FaultFigures.Report(settings, scenarios, load.Journeys, problems, clock.Elapsed);
        output.WriteLine(report);
        if (Environment.GetEnvironmentVariable("FAULTS_REPORT") is { Length: > 0 } reportPath)
        {
            await File.WriteAllTextAsync(reportPath, report);
        }

        var completed = load.Journeys.Count(j => j.Done == JourneyStep.Closed);
        Assert.True(completed >= 10 * settings.Rounds, $"only {completed} journeys were completed");
        Assert.All(scenarios, s => Assert.True(s.Probe?.Done == JourneyStep.Routed, $"no referral reached the link-worker service after {s.Name}"));
        Assert.All(scenarios, s => Assert.True(FaultFigures.InFlight(s, load.Journeys).Any(j => !j.IsProbe), $"no journey was under way during {s.Name}"));
        Assert.True(problems.Count == 0, $"{problems.Count} problems:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(50))}");

        // Whatever the services exported about all of this, the person is not in it.
        await Task.Delay(TimeSpan.FromSeconds(6));
        var exports = network.Telemetry.Received;
        output.WriteLine($"{exports.Count} exports received: {string.Join(", ", exports.GroupBy(e => e.Path).Select(g => $"{g.Key} {g.Count()}"))}");
        Assert.Contains(exports, e => e.Path == "/v1/traces");
        Assert.Contains(exports, e => e.Path == "/v1/logs");
        Assert.Contains(exports, e => ContainsText(e.Body, "referrals-referral-updates"));
        foreach (var value in PersonalValues)
        {
            Assert.DoesNotContain(exports, e => ContainsText(e.Body, value));
        }
    }

    [Fact]
    public async Task A_network_started_as_the_readme_says_refuses_webhooks_to_loopback()
    {
        var gp = await network.RegisterAsync("Loopback Surgery", "gp-practice", "faults-" + Guid.NewGuid().ToString("N")[..6]);
        var refused = await gp.Client.PostAsJsonAsync("/api/subscriptions",
            new { url = $"{network.GatewayUrl}health", secret = "a-long-shared-secret-for-hmac" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("url", await refused.Content.ReadAsStringAsync());
    }

    private static async Task<(T Result, TimeSpan At)> TimedAsync<T>(Func<Task<T>> work, Stopwatch clock) => (await work(), clock.Elapsed);

    private static async Task<(bool Result, TimeSpan At)> TimedAsync(Func<Task> work, Stopwatch clock)
    {
        await work();
        return (true, clock.Elapsed);
    }

    private static bool ContainsText(byte[] body, string text) =>
        body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
