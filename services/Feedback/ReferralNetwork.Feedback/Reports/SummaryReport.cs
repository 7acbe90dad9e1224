using System.Globalization;
using CsvHelper;
using ReferralNetwork.Contracts;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.Services;

namespace ReferralNetwork.Feedback.Reports;

public sealed record ReportPeriod(string Area, DateOnly From, DateOnly To)
{
    public DateTimeOffset Start => new(From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>Exclusive: the whole of the last day is in the period.</summary>
    public DateTimeOffset End => new(To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public bool Contains(DateTimeOffset? at) => at is { } t && t >= Start && t < End;
}

/// <summary>A rating given in the area, as the report needs it: no comment, no giver.</summary>
public sealed record RatingGiven(int Rating, DateTimeOffset At);

public sealed record ReferralCounts(Figure Total, IReadOnlyDictionary<string, Figure> ByPathway);

public sealed record Funnel(
    Figure Requested, Figure Accepted, Figure InProgress, Figure Completed,
    Figure Rejected, IReadOnlyDictionary<string, Figure> RejectedByReason,
    Figure Failed, IReadOnlyDictionary<string, Figure> FailedByOutcome,
    Figure Cancelled, IReadOnlyDictionary<string, Figure> CancelledByReason,
    IReadOnlyDictionary<string, Figure> ByCurrentStatus);

public sealed record WaitingTime(string From, string To, Figure Cases, Figure MedianHours, Figure P90Hours);

public sealed record WaitingTimes(WaitingTime ToAcceptance, WaitingTime ToFirstContactAttempt, WaitingTime ToFirstReached, WaitingTime ToProviderAcknowledgement);

public sealed record OnwardReferrals(Figure Total, IReadOnlyDictionary<string, Figure> ByStatus, IReadOnlyDictionary<string, Figure> ByRejectReason, Figure AtCapacity);

/// <summary>Places, not people: capacity figures are shown as listed, unsuppressed.</summary>
public sealed record ServiceCapacity(Guid ServiceId, string ServiceName, Guid ProviderId, int Maximum, int Available, decimal? UsedPercent);

public sealed record LinkWorkerCaseload(Guid LinkWorkerId, string Name, Figure ActiveCases, Figure AcceptedInPeriod);

public sealed record OutcomeChangeSummary(string Instrument, string Score, Figure Pairs, Figure MeanChange);

public sealed record FeedbackRatings(Figure Count, Figure MeanRating, IReadOnlyDictionary<string, Figure> Distribution);

public sealed record SuppressionNote(int Threshold, string Rule);

public sealed record SummaryReport(
    string Area, DateOnly From, DateOnly To, string Period, SuppressionNote Suppression,
    ReferralCounts Referrals, Funnel Funnel, WaitingTimes WaitingTimes, OnwardReferrals OnwardReferrals,
    IReadOnlyList<ServiceCapacity> ProviderCapacity, IReadOnlyList<LinkWorkerCaseload> LinkWorkers,
    IReadOnlyList<OutcomeChangeSummary> OutcomeChange, FeedbackRatings Feedback);

/// <summary>Composes the commissioner's summary from the read models. Pure: same inputs, same report.</summary>
public static class SummaryReports
{
    private static readonly string[] ReferralRejectReasons = ["not-eligible", "out-of-area", "duplicate", "other"];
    private static readonly string[] OnwardRejectReasons = ["at-capacity", "not-eligible", "out-of-area", "other"];
    private static readonly string[] CancelReasons = ["revoked", "entered-in-error"];
    private static readonly string[] FailOutcomes = ["disengaged", "declined", "moved-away", "referred-back", "other"];

    /// <param name="areaJourneys">Every journey of the area (the period is applied here; caseloads need the active ones of any period).</param>
    /// <param name="outcomes">Measures per referral id.</param>
    /// <param name="services">The area's listed services.</param>
    /// <param name="ratings">Ratings given in the area.</param>
    public static SummaryReport Compose(
        ReportPeriod period, IReadOnlyList<ReferralJourney> areaJourneys, IReadOnlyDictionary<Guid, IReadOnlyList<Measure>> outcomes,
        IReadOnlyList<ListedService> services, IReadOnlyList<RatingGiven> ratings) =>
        FromTally(period, Tally(period, areaJourneys, outcomes, ratings), services);

    /// <summary>
    /// The report from its tally: the one place that suppresses, interpolates, averages and rounds, whether
    /// the tally was counted here in memory or by PostgreSQL (<see cref="ReportTablesQuery"/>).
    /// </summary>
    internal static SummaryReport FromTally(ReportPeriod period, ReportTally t, IReadOnlyList<ListedService> services) => new(
        period.Area, period.From, period.To,
        "Referrals requested from the start of 'from' to the end of 'to' (UTC); link workers' accepted cases and feedback given in the same days.",
        new SuppressionNote(Suppression.Threshold, Suppression.Rule),
        new ReferralCounts(Suppression.Count(t.Referrals), CountsOf(t.ByPathway, Enum.GetValues<Pathway>().Select(p => p.ToWire()))),
        new Funnel(
            Suppression.Count(t.Referrals),
            Suppression.Count(t.Accepted),
            Suppression.Count(t.Reached),
            Suppression.Count(t.Completed),
            Suppression.Count(t.Rejected.Values.Sum()),
            CountsOf(t.Rejected, ReferralRejectReasons),
            Suppression.Count(t.Failed.Values.Sum()),
            CountsOf(t.Failed, FailOutcomes),
            Suppression.Count(t.Cancelled.Values.Sum()),
            CountsOf(t.Cancelled, CancelReasons),
            CountsOf(t.ByStatus, Enum.GetValues<ReferralStatus>().Select(s => s.ToWire()))),
        new WaitingTimes(
            Waiting("requested", "accepted", t.ToAcceptance),
            Waiting("requested", "first contact attempt (any outcome)", t.ToFirstContactAttempt),
            Waiting("requested", "first contact that reached the person", t.ToFirstReached),
            Waiting("onward referral requested", "provider acknowledged (received)", t.ToProviderAcknowledgement)),
        new OnwardReferrals(
            Suppression.Count(t.OnwardByStatus.Values.Sum()),
            CountsOf(t.OnwardByStatus, Enum.GetValues<OnwardReferralStatus>().Select(s => s.ToWire())),
            CountsOf(t.OnwardRejected, OnwardRejectReasons),
            Suppression.Count(t.OnwardRejected.GetValueOrDefault("at-capacity"))),
        services.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Id)
            .Select(s => new ServiceCapacity(s.Id, s.Name, s.ProviderId, s.CapacityMaximum, s.CapacityAvailable, UsedPercent(s)))
            .ToList(),
        t.Caseloads
            .Select(c => new LinkWorkerCaseload(c.LinkWorkerId, c.Name, Suppression.Count(c.Active), Suppression.Count(c.AcceptedInPeriod)))
            .OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.LinkWorkerId)
            .ToList(),
        OutcomeRows.Select(r =>
        {
            var (pairs, mean) = t.OutcomeChanges.TryGetValue(r, out var change) ? (change.Pairs, change.Mean) : (0, null);
            return new OutcomeChangeSummary(r.Instrument, r.Score, Suppression.Count(pairs), Suppression.Statistic(mean, pairs));
        }).ToList(),
        new FeedbackRatings(
            Suppression.Count(t.Ratings.Values.Sum()),
            Suppression.Statistic(Percentiles.Mean(t.Ratings.Values.Sum(), t.Ratings.Sum(r => (decimal)r.Key * r.Value)), t.Ratings.Values.Sum()),
            CountsOf(t.Ratings.ToDictionary(r => r.Key.ToString(CultureInfo.InvariantCulture), r => r.Value), ["1", "2", "3", "4", "5"])));

    /// <summary>One row per score: SWEMWBS metric, WEMWBS total, each ONS4 item, and goals (the mean of a person's per-goal changes).</summary>
    internal static readonly (string Instrument, string Score)[] OutcomeRows =
    [
        ("swemwbs", "metric"), ("wemwbs", "total"), ("ons4", "lifeSatisfaction"), ("ons4", "worthwhile"),
        ("ons4", "happiness"), ("ons4", "anxiety"), ("goals", "meanGoalScore"),
    ];

    /// <summary>Counts the report's figures over journeys, measures and ratings held in memory.</summary>
    internal static ReportTally Tally(
        ReportPeriod period, IReadOnlyList<ReferralJourney> areaJourneys, IReadOnlyDictionary<Guid, IReadOnlyList<Measure>> outcomes, IReadOnlyList<RatingGiven> ratings)
    {
        var inPeriod = areaJourneys.Where(j => period.Contains(j.RequestedAt)).Select(j => (Journey: j, Figures: j.ReportFigures)).ToList();
        var figures = inPeriod.Select(j => j.Figures).ToList();
        var onward = figures.SelectMany(f => f.Onward).ToList();
        var measured = inPeriod.Where(j => outcomes.ContainsKey(j.Journey.ReferralId)).Select(j => OutcomeFigures.Of(outcomes[j.Journey.ReferralId])).ToList();
        return new ReportTally(
            figures.Count,
            Count(figures.Select(f => f.Pathway!)),
            Count(figures.Select(f => f.Status)),
            figures.Count(f => f.Accepted),
            figures.Count(f => f.Reached),
            figures.Count(f => f.Completed),
            Count(figures.Select(f => f.RejectedKey).OfType<string>()),
            Count(figures.Select(f => f.FailedKey).OfType<string>()),
            Count(figures.Select(f => f.CancelledKey).OfType<string>()),
            RankedWaits.Of(figures.Select(f => f.ToAcceptanceTicks)),
            RankedWaits.Of(figures.Select(f => f.ToFirstContactAttemptTicks)),
            RankedWaits.Of(figures.Select(f => f.ToFirstReachedTicks)),
            RankedWaits.Of(onward.Select(o => o.ToAcknowledgementTicks)),
            Count(onward.Select(o => o.Status)),
            Count(onward.Select(o => o.RejectedKey).OfType<string>()),
            areaJourneys.Where(j => j.LinkWorkerId is not null)
                .GroupBy(j => j.LinkWorkerId!.Value)
                .Select(g => new CaseloadTally(
                    g.Key,
                    g.OrderByDescending(j => j.AcceptedAt).Select(j => j.LinkWorkerName).FirstOrDefault(n => n is not null) ?? "",
                    g.Count(j => j.IsActive),
                    g.Count(j => period.Contains(j.AcceptedAt))))
                .ToList(),
            new Dictionary<(string, string), ChangeTally>
            {
                [OutcomeRows[0]] = ChangeTally.Of(measured.Select(m => m.SwemwbsMetric)),
                [OutcomeRows[1]] = ChangeTally.Of(measured.Select(m => m.WemwbsTotal)),
                [OutcomeRows[2]] = ChangeTally.Of(measured.Select(m => m.LifeSatisfaction)),
                [OutcomeRows[3]] = ChangeTally.Of(measured.Select(m => m.Worthwhile)),
                [OutcomeRows[4]] = ChangeTally.Of(measured.Select(m => m.Happiness)),
                [OutcomeRows[5]] = ChangeTally.Of(measured.Select(m => m.Anxiety)),
                [OutcomeRows[6]] = ChangeTally.OfGoals(measured.Where(m => m.GoalCount is > 0).Select(m => (m.GoalChangeSum!.Value, m.GoalCount!.Value))),
            },
            Count(ratings.Where(r => period.Contains(r.At)).Select(r => r.Rating)));
    }

    private static Dictionary<T, int> Count<T>(IEnumerable<T> values)
        where T : notnull =>
        values.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());

    private static WaitingTime Waiting(string from, string to, RankedWaits waits) =>
        new(from, to, Suppression.Count(waits.Cases),
            Suppression.Statistic(waits.Percentile(0.5m), waits.Cases), Suppression.Statistic(waits.Percentile(0.9m), waits.Cases));

    private static decimal? UsedPercent(ListedService s) =>
        s.CapacityMaximum > 0 ? Math.Round((decimal)(s.CapacityMaximum - s.CapacityAvailable) * 100 / s.CapacityMaximum, 1, MidpointRounding.AwayFromZero) : null;

    /// <summary>
    /// Counts per key: the known keys always (0 when none), then any others, in ordinal order (not in the order
    /// rows happened to come back from the database, so the report is the same however it was counted).
    /// </summary>
    private static Dictionary<string, Figure> CountsOf(IReadOnlyDictionary<string, int> counts, IEnumerable<string> known)
    {
        var ordered = known.ToDictionary(k => k, k => counts.GetValueOrDefault(k), StringComparer.Ordinal);
        foreach (var (key, count) in counts.Where(c => !ordered.ContainsKey(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            ordered[key] = count;
        }

        return ordered.ToDictionary(c => c.Key, c => Suppression.Count(c.Value), StringComparer.Ordinal);
    }

    // Names of services and link workers, and the area, are chosen by partners: a name such as
    // =HYPERLINK(...) or -2+3 would run as a formula when the file is opened in a spreadsheet.
    // CsvHelper escapes text fields that start like a formula ('=HYPERLINK(...), quoted) but never
    // numbers, so every figure is written as a decimal, not as text, and -1.5 stays a number.
    // Suppressed figures ("*") and our own keys are text that never starts like a formula.
    private static readonly CsvWriterOptions CsvOptions = CsvWriterOptions.Default with
    {
        NewLine = "\n",
        Injection = CsvInjection.Escape,
    };

    /// <summary>A value of the <c>value</c> column: text or a figure, null for an empty field.</summary>
    private readonly record struct CsvCell(string? Text, decimal? Number)
    {
        public static implicit operator CsvCell(string text) => new(text, null);

        public static implicit operator CsvCell(decimal? number) => new(null, number);

        public static implicit operator CsvCell(Figure figure) => figure.Suppressed ? new("*", null) : new(null, figure.Value);
    }

    /// <summary>
    /// The report as CSV: header <c>section,metric,value</c>, one row per figure, suppressed values as
    /// <c>*</c>, missing values empty. Per-service and per-link-worker rows name their id in the metric.
    /// </summary>
    public static string ToCsv(SummaryReport report)
    {
        var rows = new List<(string Section, string Metric, CsvCell Value)>
        {
            ("period", "area", report.Area),
            ("period", "from", report.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            ("period", "to", report.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            ("referrals", "total", report.Referrals.Total),
        };
        rows.AddRange(report.Referrals.ByPathway.Select(p => ("referrals", "pathway." + p.Key, (CsvCell)p.Value)));

        var f = report.Funnel;
        rows.AddRange(
        [
            ("funnel", "requested", f.Requested), ("funnel", "accepted", f.Accepted),
            ("funnel", "in-progress", f.InProgress), ("funnel", "completed", f.Completed),
            ("funnel", "rejected", f.Rejected),
        ]);
        rows.AddRange(f.RejectedByReason.Select(r => ("funnel", "rejected." + r.Key, (CsvCell)r.Value)));
        rows.Add(("funnel", "failed", f.Failed));
        rows.AddRange(f.FailedByOutcome.Select(r => ("funnel", "failed." + r.Key, (CsvCell)r.Value)));
        rows.Add(("funnel", "cancelled", f.Cancelled));
        rows.AddRange(f.CancelledByReason.Select(r => ("funnel", "cancelled." + r.Key, (CsvCell)r.Value)));
        rows.AddRange(f.ByCurrentStatus.Select(r => ("funnel", "current." + r.Key, (CsvCell)r.Value)));

        foreach (var (name, w) in new[]
        {
            ("to-acceptance", report.WaitingTimes.ToAcceptance), ("to-first-contact-attempt", report.WaitingTimes.ToFirstContactAttempt),
            ("to-first-reached", report.WaitingTimes.ToFirstReached), ("to-provider-acknowledgement", report.WaitingTimes.ToProviderAcknowledgement),
        })
        {
            rows.Add(("waiting-times", name + ".cases", w.Cases));
            rows.Add(("waiting-times", name + ".median-hours", w.MedianHours));
            rows.Add(("waiting-times", name + ".p90-hours", w.P90Hours));
        }

        var o = report.OnwardReferrals;
        rows.Add(("onward-referrals", "total", o.Total));
        rows.AddRange(o.ByStatus.Select(s => ("onward-referrals", "status." + s.Key, (CsvCell)s.Value)));
        rows.AddRange(o.ByRejectReason.Select(s => ("onward-referrals", "rejected." + s.Key, (CsvCell)s.Value)));
        rows.Add(("onward-referrals", "at-capacity", o.AtCapacity));

        foreach (var s in report.ProviderCapacity)
        {
            var key = s.ServiceId.ToString("D");
            rows.Add(("provider-capacity", key + ".name", s.ServiceName));
            rows.Add(("provider-capacity", key + ".maximum", (decimal)s.Maximum));
            rows.Add(("provider-capacity", key + ".available", (decimal)s.Available));
            rows.Add(("provider-capacity", key + ".used-percent", s.UsedPercent));
        }

        foreach (var w in report.LinkWorkers)
        {
            var key = w.LinkWorkerId.ToString("D");
            rows.Add(("link-workers", key + ".name", w.Name));
            rows.Add(("link-workers", key + ".active-cases", w.ActiveCases));
            rows.Add(("link-workers", key + ".accepted-in-period", w.AcceptedInPeriod));
        }

        foreach (var c in report.OutcomeChange)
        {
            rows.Add(("outcome-change", $"{c.Instrument}.{c.Score}.pairs", c.Pairs));
            rows.Add(("outcome-change", $"{c.Instrument}.{c.Score}.mean-change", c.MeanChange));
        }

        rows.Add(("feedback", "count", report.Feedback.Count));
        rows.Add(("feedback", "mean-rating", report.Feedback.MeanRating));
        rows.AddRange(report.Feedback.Distribution.Select(d => ("feedback", "rating." + d.Key, (CsvCell)d.Value)));

        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, CsvOptions, leaveOpen: true))
        {
            csv.WriteRecord("section", "metric", "value");
            foreach (var (section, metric, value) in rows)
            {
                csv.WriteField(section);
                csv.WriteField(metric);
                if (value.Text is not null)
                {
                    csv.WriteField(value.Text);
                }
                else
                {
                    csv.WriteField(value.Number);
                }

                csv.EndRecord();
            }
        }

        return text.ToString();
    }
}
