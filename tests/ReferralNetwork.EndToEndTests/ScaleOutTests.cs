using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace ReferralNetwork.EndToEndTests;

/// <summary>
/// Several instances of everything (issue 16): two of every service and of the gateway on a three-node RabbitMQ
/// cluster, under the fault suite's steady load of whole journeys through both gateways. The instance doing a
/// service's background work (its leader), a gateway and a broker node are killed (SIGKILL) in turn; after each,
/// recovery is timed as in <see cref="FaultTests"/> and, for a leader, how long until another instance took over.
/// Throughout, which process holds each service's leader lock is sampled: never two at once, so no event is
/// handled by two daemons. Then everything is reconciled through the gateway: nothing lost, duplicated or stuck.
/// The short form runs in ./scripts/test.sh; <c>FAULTS=long</c> (./scripts/faults.sh --scale) kills every service's leader
/// and two broker nodes.
/// </summary>
[Collection(ScaledNetworkCollection.Name)]
public class ScaleOutTests(ScaledNetwork network, ITestOutputHelper output)
{
    /// <summary>A service's leader instance, by the database its lock is in.</summary>
    private static string Leader(string database) => $"leader:{database}";

    [Fact]
    public async Task Killing_a_services_leader_a_gateway_and_a_broker_node_under_load_loses_and_duplicates_nothing_with_one_daemon_per_service_at_a_time()
    {
        var settings = FaultSettings.FromEnvironment();
        string[] faults = settings.Form == "long"
            ? [Leader("referralsdb"), Leader("linkworkersdb"), Leader("providersdb"), Leader("feedbackdb"), "gateway", "rabbitmq", "rabbitmq-2"]
            : [Leader("referralsdb"), "gateway", "rabbitmq"];
        var clock = Stopwatch.StartNew();
        await using var leaders = await LeaderWatch.StartAsync(network, clock);
        var parties = await Journey.StartAsync(network, "scale", maxActiveCases: 500);
        var probeGp = await network.RegisterAsync("Scaleout Probe Surgery", "gp-practice", parties.Area);
        var commissioner = await network.RegisterAsync("Scaleout Commissioning", "commissioner", parties.Area);
        var load = new SteadyLoad(parties, probeGp, clock, settings.StepBudget);
        var scenarios = new List<(Scenario Scenario, string Victim, double? HandoverSeconds)>();
        output.WriteLine($"{settings}");

        load.Start(settings.Lanes);
        try
        {
            await Task.Delay(settings.WarmUp);
            foreach (var fault in faults)
            {
                var database = fault.StartsWith("leader:", StringComparison.Ordinal) ? fault["leader:".Length..] : null;
                var formerLeader = database is null ? 0 : await leaders.LeaderAsync(database, TimeSpan.FromMinutes(1));
                var victim = database is null ? fault : await network.InstanceOfProcessAsync(formerLeader);
                var scenario = new Scenario(database is null ? victim : $"{victim} (the leader)", FaultKind.Kill, 1) { Began = clock.Elapsed };
                scenario.Ended = scenario.Began;
                output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s {scenario.Name}, {load.Journeys.Count} journeys begun so far");
                await network.KillAsync(victim);

                var probing = load.ProbeAsync();
                await network.AllHealthyAsync(TimeSpan.FromMinutes(3));
                var healthyAt = clock.Elapsed;
                scenario.Probe = await probing;
                scenario.Recovered = new[] { scenario.Probe.Ended ?? clock.Elapsed, healthyAt }.Max();
                double? handover = null;
                if (database is not null)
                {
                    await leaders.LeaderAsync(database, TimeSpan.FromMinutes(1));
                    handover = leaders.TakenOver(database, formerLeader, scenario.Began) is { } at ? Math.Round((at - scenario.Began).TotalSeconds, 1) : null;
                }
                scenarios.Add((scenario, victim, handover));
                output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s recovered from {scenario.Name} in {scenario.RecoverySeconds} s; another instance leading after {handover?.ToString(CultureInfo.InvariantCulture) ?? "-"} s");
                await Task.Delay(settings.Between);
            }
        }
        finally
        {
            await load.StopAsync();
        }

        output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s load stopped; reconciling");
        var problems = await new Reconciliation(network, load, commissioner).RunAsync(settings.Settle);
        var report = Report(settings, scenarios, load, problems, leaders, clock.Elapsed);
        output.WriteLine(report);
        if (Environment.GetEnvironmentVariable("FAULTS_REPORT") is { Length: > 0 } reportPath)
        {
            await File.WriteAllTextAsync(reportPath, report);
        }

        Assert.True(leaders.SampleCount > 100, $"only {leaders.SampleCount} samples of the leader locks");
        Assert.All(ScaledNetwork.Databases, database => Assert.True(leaders.MostHolders(database) == 1,
            $"{database}'s leader lock was held by {leaders.MostHolders(database)} processes at once"));
        Assert.All(AspireNetwork.Services, service => Assert.True(leaders.MostLeading(service) == 1,
            $"{leaders.MostLeading(service)} instances of {service} said at once that they did its background work"));
        Assert.All(scenarios.Where(s => s.Scenario.Name.EndsWith("(the leader)", StringComparison.Ordinal)), s =>
            Assert.True(s.HandoverSeconds is not null, $"no other instance took over after {s.Scenario.Name}"));
        Assert.All(scenarios, s => Assert.True(s.Scenario.Probe?.Done == JourneyStep.Routed, $"no referral reached the link-worker service after {s.Scenario.Name}"));
        Assert.All(scenarios, s => Assert.True(FaultFigures.InFlight(s.Scenario, load.Journeys).Any(j => !j.IsProbe), $"no journey was under way during {s.Scenario.Name}"));
        var completed = load.Journeys.Count(j => j.Done == JourneyStep.Closed);
        Assert.True(completed >= 10, $"only {completed} journeys were completed");
        Assert.True(problems.Count == 0, $"{problems.Count} problems:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(50))}");
    }

    private static string Report(
        FaultSettings settings, List<(Scenario Scenario, string Victim, double? HandoverSeconds)> scenarios, SteadyLoad load, IReadOnlyList<Problem> problems,
        LeaderWatch leaders, TimeSpan took)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Two instances of every service and the gateway, a three-node RabbitMQ cluster ({Environment.ProcessorCount} cores).");
        text.Append(FaultFigures.Report(settings, [.. scenarios.Select(s => s.Scenario)], load.Journeys, problems, took));
        text.AppendLine();
        // Recovery above waits for every instance, the killed one restarted included; these are what partners notice.
        text.AppendLine("| killed | a new referral reached the link-worker service after s | another instance leading after s |");
        text.AppendLine("|---|---|---|");
        foreach (var (scenario, _, handover) in scenarios)
        {
            var routed = scenario.Probe is { Done: JourneyStep.Routed, Ended: { } ended } ? (ended - scenario.Began).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) : "never";
            var leading = scenario.Name.EndsWith("(the leader)", StringComparison.Ordinal) ? handover?.ToString("0.0", CultureInfo.InvariantCulture) ?? "never" : "-";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {scenario.Name} | {routed} | {leading} |");
        }
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Leader locks sampled {leaders.SampleCount} times; most holders at once: {string.Join(", ", ScaledNetwork.Databases.Select(d => $"{d} {leaders.MostHolders(d)}"))}. "
            + $"Most instances saying at once that they did the background work: {string.Join(", ", AspireNetwork.Services.Select(s => $"{s} {leaders.MostLeading(s)}"))}.");
        return text.ToString();
    }
}
