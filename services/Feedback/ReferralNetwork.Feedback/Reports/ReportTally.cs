namespace ReferralNetwork.Feedback.Reports;

/// <summary>
/// What a summary report is composed from: counts per key, sums, and the few ordered waits its percentiles
/// need. Counted in memory (<see cref="SummaryReports.Tally"/>) or by PostgreSQL (<see cref="ReportTablesQuery"/>);
/// either way <see cref="SummaryReports.FromTally"/> makes the report, so both give the same one.
/// </summary>
internal sealed record ReportTally(
    int Referrals,
    IReadOnlyDictionary<string, int> ByPathway,
    IReadOnlyDictionary<string, int> ByStatus,
    int Accepted,
    int Reached,
    int Completed,
    IReadOnlyDictionary<string, int> Rejected,
    IReadOnlyDictionary<string, int> Failed,
    IReadOnlyDictionary<string, int> Cancelled,
    RankedWaits ToAcceptance,
    RankedWaits ToFirstContactAttempt,
    RankedWaits ToFirstReached,
    RankedWaits ToProviderAcknowledgement,
    IReadOnlyDictionary<string, int> OnwardByStatus,
    IReadOnlyDictionary<string, int> OnwardRejected,
    IReadOnlyList<CaseloadTally> Caseloads,
    IReadOnlyDictionary<(string Instrument, string Score), ChangeTally> OutcomeChanges,
    IReadOnlyDictionary<int, int> Ratings);

internal sealed record CaseloadTally(Guid LinkWorkerId, string Name, int Active, int AcceptedInPeriod);

/// <summary>How many waits there are, and the waits (in ticks) at the ranks the median and the 90th percentile lie between.</summary>
internal sealed record RankedWaits(int Cases, IReadOnlyDictionary<int, long> TicksAtRank)
{
    private static readonly decimal[] Fractions = [0.5m, 0.9m];

    /// <summary>The ranks (from 0, over the waits in order) worth reading: none when the statistics are suppressed anyway.</summary>
    public static IReadOnlyList<int> RanksNeeded(int cases) => cases < Suppression.Threshold
        ? []
        : Fractions.SelectMany(f => Percentiles.Position(cases, f) is var (lower, upper, _) ? new[] { lower, upper } : []).Distinct().Order().ToList();

    public static RankedWaits Of(IEnumerable<long?> waits)
    {
        var sorted = waits.OfType<long>().Order().ToArray();
        return new(sorted.Length, RanksNeeded(sorted.Length).ToDictionary(r => r, r => sorted[r]));
    }

    /// <summary>In hours, interpolated as <see cref="Percentiles.Of"/> does; null when suppressed.</summary>
    public decimal? Percentile(decimal fraction)
    {
        if (Cases < Suppression.Threshold)
        {
            return null;
        }

        var (lower, upper, weight) = Percentiles.Position(Cases, fraction);
        return Percentiles.Interpolate(Hours(TicksAtRank[lower]), Hours(TicksAtRank[upper]), weight);
    }

    private static decimal Hours(long ticks) => (decimal)ticks / TimeSpan.TicksPerHour;
}

/// <summary>How many referrals have a baseline → follow-up pair for a score, and the mean change.</summary>
internal sealed record ChangeTally(int Pairs, decimal? Mean)
{
    public static ChangeTally Of(IEnumerable<decimal?> changes)
    {
        var known = changes.OfType<decimal>().ToList();
        return new(known.Count, Percentiles.Mean(known));
    }

    /// <summary>
    /// The mean of each referral's mean goal change, exactly: summing rounded thirds (a mean over three goals)
    /// would depend on the order of the referrals and could land just beside a half that rounds the other way.
    /// Each referral's (sum, count) of goal changes, grouped by count as <paramref name="sumsByGoalCount"/>.
    /// </summary>
    public static ChangeTally OfGoals(IReadOnlyDictionary<int, (int Referrals, decimal Sum)> sumsByGoalCount)
    {
        var pairs = sumsByGoalCount.Values.Sum(s => s.Referrals);
        if (pairs == 0)
        {
            return new(0, null);
        }

        // Over a common denominator: Σ sum/count = (Σ sum × (lcm / count)) / lcm, all whole numbers until the one division.
        var lcm = sumsByGoalCount.Keys.Aggregate(1L, (l, c) => l / Gcd(l, c) * c);
        var numerator = sumsByGoalCount.Sum(s => s.Value.Sum * (lcm / s.Key));
        return new(pairs, numerator / (lcm * (decimal)pairs));
    }

    public static ChangeTally OfGoals(IEnumerable<(decimal Sum, int Count)> referrals) =>
        OfGoals(referrals.GroupBy(r => r.Count).ToDictionary(g => g.Key, g => (g.Count(), g.Sum(r => r.Sum))));

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
}
