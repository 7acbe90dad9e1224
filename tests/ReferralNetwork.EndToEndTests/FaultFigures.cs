using System.Globalization;
using System.Text;

namespace ReferralNetwork.EndToEndTests;

public enum FaultKind
{
    /// <summary>SIGKILL: the process is gone at once; the AppHost starts it again.</summary>
    Kill,

    /// <summary>SIGSTOP, then SIGCONT: the process and everything under it answer nothing for a while, then carry on.</summary>
    Pause,
}

/// <summary>One fault of the suite and how the network came back from it.</summary>
public sealed class Scenario(string resource, FaultKind kind, int round)
{
    public string Name => $"{(kind == FaultKind.Kill ? "SIGKILL" : "SIGSTOP")} {resource}";

    public int Round => round;

    public TimeSpan Began { get; init; }

    /// <summary>When the fault was over: the kill itself, or the SIGCONT after a pause.</summary>
    public TimeSpan Ended { get; set; }

    /// <summary>When every resource was healthy and the probe had reached the link-worker service.</summary>
    public TimeSpan Recovered { get; set; }

    /// <summary>A referral submitted once the fault was over, waited for at the link-worker service.</summary>
    public LoadJourney? Probe { get; set; }

    /// <summary>Seconds from the end of the fault to recovery; null when the probe never got through.</summary>
    public double? RecoverySeconds => Probe?.Done == JourneyStep.Routed ? Math.Round((Recovered - Ended).TotalSeconds, 1) : null;
}

/// <summary>The suite's sizes: the short form by default, the long one with <c>FAULTS=long</c> (rounds from <c>FAULTS_ROUNDS</c>, default 2).</summary>
public sealed record FaultSettings(string Form, int Rounds, TimeSpan Pause, TimeSpan WarmUp, TimeSpan Between, int Lanes, TimeSpan StepBudget, TimeSpan Settle)
{
    public static FaultSettings FromEnvironment() =>
        Environment.GetEnvironmentVariable("FAULTS") == "long"
            ? new("long", int.TryParse(Environment.GetEnvironmentVariable("FAULTS_ROUNDS"), out var rounds) && rounds > 0 ? rounds : 2,
                Pause: TimeSpan.FromSeconds(20), WarmUp: TimeSpan.FromSeconds(20), Between: TimeSpan.FromSeconds(15), Lanes: 6,
                StepBudget: TimeSpan.FromMinutes(4), Settle: TimeSpan.FromMinutes(3))
            : new("short", 1, Pause: TimeSpan.FromSeconds(10), WarmUp: TimeSpan.FromSeconds(8), Between: TimeSpan.FromSeconds(2), Lanes: 6,
                StepBudget: TimeSpan.FromMinutes(2), Settle: TimeSpan.FromSeconds(90));
}

/// <summary>The figures of a run: per fault, the journeys under way and how many of them lost, duplicated, stuck or had a copy skipped.</summary>
public static class FaultFigures
{
    /// <summary>The journeys under way at some time between the fault and recovery, and the fault's probe.</summary>
    public static IEnumerable<LoadJourney> InFlight(Scenario scenario, IEnumerable<LoadJourney> journeys) =>
        journeys.Where(j => j == scenario.Probe
            || (!j.IsProbe && j.Began <= scenario.Recovered && (j.Ended ?? TimeSpan.MaxValue) >= scenario.Began));

    public static string Report(FaultSettings settings, IReadOnlyList<Scenario> scenarios, IReadOnlyList<LoadJourney> journeys, IReadOnlyList<Problem> problems, TimeSpan took)
    {
        var text = new StringBuilder();
        var whole = journeys.Where(j => !j.IsProbe).ToList();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Fault-injection suite, {settings.Form} form: {scenarios.Count} faults, pauses of {settings.Pause.TotalSeconds:0} s, {settings.Lanes} lanes of journeys; "
            + $"{whole.Count} journeys begun, {whole.Count(j => j.Done == JourneyStep.Closed)} completed, {journeys.Count - whole.Count} probes; {took.TotalSeconds:0} s in all.");
        text.AppendLine();
        text.AppendLine("| fault | round | held s | recovery s | journeys | lost | duplicated | stuck | skipped |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var scenario in scenarios)
        {
            var inFlight = InFlight(scenario, journeys).ToHashSet();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {scenario.Name} | {scenario.Round} | {(scenario.Ended - scenario.Began).TotalSeconds:0} | {scenario.RecoverySeconds?.ToString("0.0", CultureInfo.InvariantCulture) ?? "never"} | "
                + $"{inFlight.Count(j => !j.IsProbe)} | {Counts(inFlight)} |");
        }

        var between = whole.Where(j => !scenarios.Any(s => InFlight(s, [j]).Any())).ToHashSet();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| between faults | | | | {between.Count} | {Counts(between)} |");
        var unnamed = problems.Where(p => p.Journey is null).ToList();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| of no journey | | | | | {string.Join(" | ", Enum.GetValues<Finding>().Select(kind => unnamed.Count(p => p.Kind == kind)))} |");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{problems.Count} problems{(problems.Count == 0 ? "." : ":")}");
        foreach (var problem in problems)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {problem}");
        }

        return text.ToString();

        // Per kind, how many of these journeys it befell.
        string Counts(HashSet<LoadJourney> among) => string.Join(" | ", Enum.GetValues<Finding>().Select(kind =>
            problems.Where(p => p.Kind == kind && p.Journey is not null && among.Contains(p.Journey)).Select(p => p.Journey).Distinct().Count()));
    }
}
