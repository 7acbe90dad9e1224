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
        IReadOnlyList<ListedService> services, IReadOnlyList<RatingGiven> ratings)
    {
        var inPeriod = areaJourneys.Where(j => period.Contains(j.RequestedAt)).ToList();
        var onward = inPeriod.SelectMany(j => j.Onward).ToList();

        return new SummaryReport(
            period.Area, period.From, period.To,
            "Referrals requested from the start of 'from' to the end of 'to' (UTC); link workers' accepted cases and feedback given in the same days.",
            new SuppressionNote(Suppression.Threshold, Suppression.Rule),
            new ReferralCounts(
                Suppression.Count(inPeriod.Count),
                CountBy(inPeriod.Select(j => j.Pathway!.Value.ToWire()), Enum.GetValues<Pathway>().Select(p => p.ToWire()))),
            FunnelOf(inPeriod),
            new WaitingTimes(
                Waiting("requested", "accepted", inPeriod.Select(j => Hours(j.RequestedAt, j.AcceptedAt))),
                Waiting("requested", "first contact attempt (any outcome)", inPeriod.Select(j => Hours(j.RequestedAt, j.FirstContactAttemptAt))),
                Waiting("requested", "first contact that reached the person", inPeriod.Select(j => Hours(j.RequestedAt, j.FirstReachedAt))),
                Waiting("onward referral requested", "provider acknowledged (received)", onward.Select(o => Hours(o.RequestedAt, o.AcknowledgedAt)))),
            new OnwardReferrals(
                Suppression.Count(onward.Count),
                CountBy(onward.Select(o => o.Status.ToWire()), Enum.GetValues<OnwardReferralStatus>().Select(s => s.ToWire())),
                CountBy(onward.Where(o => o.Status == OnwardReferralStatus.Rejected).Select(o => o.Reason ?? "other"), OnwardRejectReasons),
                Suppression.Count(onward.Count(o => o.Status == OnwardReferralStatus.Rejected && o.Reason == "at-capacity"))),
            services.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Id)
                .Select(s => new ServiceCapacity(s.Id, s.Name, s.ProviderId, s.CapacityMaximum, s.CapacityAvailable, UsedPercent(s)))
                .ToList(),
            Caseloads(period, areaJourneys),
            OutcomeChanges(inPeriod, outcomes),
            RatingsOf(period, ratings));
    }

    /// <summary>Stage counts are "ever reached this stage" among the period's referrals.</summary>
    private static Funnel FunnelOf(IReadOnlyList<ReferralJourney> journeys)
    {
        var rejected = journeys.Where(j => j.RejectedAt is not null && j.CancelledAt is null).ToList();
        var failed = journeys.Where(j => j.ClosedStatus == ReferralStatus.Failed).ToList();
        var cancelled = journeys.Where(j => j.CancelledAt is not null).ToList();
        return new Funnel(
            Suppression.Count(journeys.Count),
            Suppression.Count(journeys.Count(j => j.AcceptedAt is not null)),
            Suppression.Count(journeys.Count(j => j.FirstReachedAt is not null)),
            Suppression.Count(journeys.Count(j => j.ClosedStatus == ReferralStatus.Completed)),
            Suppression.Count(rejected.Count),
            CountBy(rejected.Select(j => j.RejectedReason ?? "other"), ReferralRejectReasons),
            Suppression.Count(failed.Count),
            CountBy(failed.Select(j => j.ClosedOutcome ?? "other"), FailOutcomes),
            Suppression.Count(cancelled.Count),
            CountBy(cancelled.Select(j => j.CancelledReason ?? "revoked"), CancelReasons),
            CountBy(journeys.Select(j => j.Status.ToWire()), Enum.GetValues<ReferralStatus>().Select(s => s.ToWire())));
    }

    private static WaitingTime Waiting(string from, string to, IEnumerable<decimal?> hours)
    {
        var known = hours.OfType<decimal>().ToList();
        return new WaitingTime(from, to, Suppression.Count(known.Count),
            Suppression.Statistic(Percentiles.Median(known), known.Count), Suppression.Statistic(Percentiles.P90(known), known.Count));
    }

    private static decimal? Hours(DateTimeOffset? from, DateTimeOffset? to) =>
        from is { } a && to is { } b ? (decimal)(b - a).Ticks / TimeSpan.TicksPerHour : null;

    private static decimal? UsedPercent(ListedService s) =>
        s.CapacityMaximum > 0 ? Math.Round((decimal)(s.CapacityMaximum - s.CapacityAvailable) * 100 / s.CapacityMaximum, 1, MidpointRounding.AwayFromZero) : null;

    private static List<LinkWorkerCaseload> Caseloads(ReportPeriod period, IReadOnlyList<ReferralJourney> journeys) =>
        journeys.Where(j => j.LinkWorkerId is not null)
            .GroupBy(j => j.LinkWorkerId!.Value)
            .Select(g => new LinkWorkerCaseload(
                g.Key,
                g.OrderByDescending(j => j.AcceptedAt).Select(j => j.LinkWorkerName).FirstOrDefault(n => n is not null) ?? "",
                Suppression.Count(g.Count(j => j.IsActive)),
                Suppression.Count(g.Count(j => period.Contains(j.AcceptedAt)))))
            .OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.LinkWorkerId)
            .ToList();

    /// <summary>
    /// One row per score: SWEMWBS metric, WEMWBS total, each ONS4 item, and goals (the mean of a
    /// person's per-goal changes). A pair is one referral with both a baseline and a follow-up.
    /// </summary>
    private static List<OutcomeChangeSummary> OutcomeChanges(IReadOnlyList<ReferralJourney> journeys, IReadOnlyDictionary<Guid, IReadOnlyList<Measure>> outcomes)
    {
        var rows = new (string Instrument, string Score)[]
        {
            ("swemwbs", "metric"), ("wemwbs", "total"), ("ons4", "lifeSatisfaction"), ("ons4", "worthwhile"),
            ("ons4", "happiness"), ("ons4", "anxiety"), ("goals", "meanGoalScore"),
        };
        var changes = rows.ToDictionary(r => r, _ => new List<decimal>());
        foreach (var journey in journeys)
        {
            if (!outcomes.TryGetValue(journey.ReferralId, out var measures))
            {
                continue;
            }

            foreach (var change in Outcomes.OutcomeChange.For(measures))
            {
                var instrument = change.Instrument.ToWire();
                if (change.Instrument == Instrument.Goals)
                {
                    if (change.Change.Count > 0)
                    {
                        changes[(instrument, "meanGoalScore")].Add(change.Change.Values.Average());
                    }

                    continue;
                }

                foreach (var (score, value) in change.Change)
                {
                    if (changes.TryGetValue((instrument, score), out var list))
                    {
                        list.Add(value);
                    }
                }
            }
        }

        return rows.Select(r => new OutcomeChangeSummary(
            r.Instrument, r.Score, Suppression.Count(changes[r].Count), Suppression.Statistic(Percentiles.Mean(changes[r]), changes[r].Count))).ToList();
    }

    private static FeedbackRatings RatingsOf(ReportPeriod period, IReadOnlyList<RatingGiven> ratings)
    {
        var given = ratings.Where(r => period.Contains(r.At)).Select(r => (decimal)r.Rating).ToList();
        return new FeedbackRatings(
            Suppression.Count(given.Count),
            Suppression.Statistic(Percentiles.Mean(given), given.Count),
            CountBy(given.Select(r => r.ToString(CultureInfo.InvariantCulture)), ["1", "2", "3", "4", "5"]));
    }

    /// <summary>Counts per key: the known keys always (0 when none), then any others seen, in order.</summary>
    private static Dictionary<string, Figure> CountBy(IEnumerable<string> values, IEnumerable<string> known)
    {
        var counts = known.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
        foreach (var value in values)
        {
            counts[value] = counts.GetValueOrDefault(value) + 1;
        }

        return counts.ToDictionary(c => c.Key, c => Suppression.Count(c.Value), StringComparer.Ordinal);
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
