using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Feedback.Erasure;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.Reports;
using ReferralNetwork.Feedback.Services;
using ReferralNetwork.Feedback.UserFeedback;
using ReferralNetwork.IntegrationTests.Infrastructure;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// The summary report counted by PostgreSQL from the report tables is the report composed in memory from the
/// documents, figure for figure, in JSON and CSV, over varied journeys written through the service's own
/// projections: out-of-order steps, boundary times, erased referrals, every kind of measure.
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public class ReportTablesTests(RealInfrastructure infrastructure)
{
    private static readonly DateTimeOffset Day0 = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] LinkWorkerNames = ["Sam Jones", "Alex Smith", "Alex Smith", "=Priya Patel", "Jo Brown"];

    private IDocumentStore Store => infrastructure.Feedback.Services.GetRequiredService<IDocumentStore>();

    public static TheoryData<string, string> Periods => new()
    {
        { "2025-03-01", "2025-03-31" }, // most of the data
        { "2025-01-01", "2025-12-31" }, // all of it
        { "2025-03-10", "2025-03-10" }, // one day: its first and last tick are in it, the ticks either side are not
        { "2025-03-11", "2025-03-11" },
        { "2025-04-05", "2025-04-06" }, // the last few referrals: small counts, suppressed statistics
        { "2024-06-01", "2024-06-30" }, // nothing requested, nothing rated
    };

    [Theory]
    [MemberData(nameof(Periods))]
    public async Task The_report_from_the_tables_is_the_report_composed_in_memory(string from, string to)
    {
        var area = await SeededAreaAsync();
        var period = new ReportPeriod(area, DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture));

        var (fromDocuments, fromTables) = await BothAsync(period);

        Assert.Equal(Json(fromDocuments), Json(fromTables));
        Assert.Equal(SummaryReports.ToCsv(fromDocuments), SummaryReports.ToCsv(fromTables));
    }

    [Fact]
    public async Task The_seeded_data_reaches_every_kind_of_figure()
    {
        var area = await SeededAreaAsync();
        var (_, report) = await BothAsync(new ReportPeriod(area, new DateOnly(2025, 1, 1), new DateOnly(2025, 12, 31)));

        // So the comparisons above compare something: shown figures in every section, and keys no list names.
        Assert.True(report.Referrals.Total.Value > 300);
        Assert.All(report.WaitingTimes.GetType().GetProperties().Select(p => (WaitingTime)p.GetValue(report.WaitingTimes)!), w => Assert.False(w.MedianHours.Suppressed));
        Assert.Contains("something-new", report.Funnel.RejectedByReason.Keys);
        Assert.Contains("mystery", report.Funnel.FailedByOutcome.Keys);
        Assert.Contains(ErasedText.Marker, report.OnwardReferrals.ByRejectReason.Keys);
        Assert.False(report.OnwardReferrals.AtCapacity.Suppressed);
        Assert.All(report.OutcomeChange, o => Assert.False(o.MeanChange.Suppressed));
        Assert.False(report.Feedback.MeanRating.Suppressed);
        Assert.Equal(["=Priya Patel", "Alex Smith", "Jo Brown", "Sam Jones"], report.LinkWorkers.Select(w => w.Name).Distinct());
    }

    [Fact]
    public async Task Documents_written_before_the_tables_existed_are_filled_in_once()
    {
        var area = await SeededAreaAsync();
        var period = new ReportPeriod(area, new DateOnly(2025, 1, 1), new DateOnly(2025, 12, 31));
        var (before, _) = await BothAsync(period);

        // As an older version left them: documents without their figures, and no rows.
        var schema = Store.Options.DatabaseSchemaName;
        await using (var connection = Store.Storage.Database.CreateConnection())
        {
            await connection.OpenAsync();
            await using var strip = new NpgsqlCommand(
                $"""
                update {schema}.mt_doc_referraljourney set data = data - 'ReportFigures' where data ->> 'Area' = @area;
                update {schema}.mt_doc_referraloutcomes o set data = data - 'ReportFigures'
                    from {schema}.{ReportTables.Referrals} r where r.referral_id = o.id and r.area = @area;
                update {schema}.mt_doc_serviceuserfeedback set data = data - 'ReportAtTicks' where data ->> 'Area' = @area;
                delete from {schema}.{ReportTables.Onward} where area = @area;
                delete from {schema}.{ReportTables.Referrals} where area = @area;
                delete from {schema}.{ReportTables.Ratings} where area = @area;
                """, connection);
            strip.Parameters.AddWithValue("area", area);
            await strip.ExecuteNonQueryAsync();
        }

        Assert.Equal(0, (await ReportTablesQuery.TallyAsync(Store, period, CancellationToken.None)).Referrals);

        Assert.True(await ReportTables.FillAsync(Store, CancellationToken.None) > 0);
        var (_, after) = await BothAsync(period);
        Assert.Equal(Json(before), Json(after));
        Assert.Equal(0, await ReportTables.FillAsync(Store, CancellationToken.None));
    }

    private async Task<(SummaryReport FromDocuments, SummaryReport FromTables)> BothAsync(ReportPeriod period)
    {
        await using var session = Store.QuerySession();
        var services = await session.Query<ListedService>().Where(s => s.Area == period.Area).ToListAsync();
        var fromDocuments = await ReportsApi.InMemoryAsync(session, period, services, CancellationToken.None);
        var fromTables = SummaryReports.FromTally(period, await ReportTablesQuery.TallyAsync(Store, period, CancellationToken.None), services);
        return (fromDocuments, fromTables);
    }

    private static string Json(SummaryReport report) => JsonSerializer.Serialize(report);

    /// <summary>A fresh area with a few hundred journeys, their measures and ratings, written as the service writes them.</summary>
    private async Task<string> SeededAreaAsync()
    {
        var area = "tables-" + Guid.NewGuid().ToString("N")[..8];
        var random = new Random(20250301);
        var linkWorkers = LinkWorkerNames.Select(_ => Guid.NewGuid()).ToArray();
        var referrals = new List<Guid>();
        await using (var session = Store.LightweightSession())
        {
            for (var i = 0; i < 420; i++)
            {
                var id = Guid.NewGuid();
                referrals.Add(id);
                session.Events.StartStream<ReferralJourney>(JourneyIds.For(id), JourneyEvents(random, id, area, i, linkWorkers));
                if (Measures(random, id) is { Count: > 0 } measures)
                {
                    session.Events.StartStream<ReferralOutcomes>(id, measures);
                }
            }

            // A journey of another area and a rating there: not in this area's report.
            var elsewhere = Guid.NewGuid();
            session.Events.StartStream<ReferralJourney>(JourneyIds.For(elsewhere),
                [new JourneyRequested(elsewhere, Pathway.Gp, area + "-next-door", Guid.NewGuid(), OrganisationKind.GpPractice, Day0.AddDays(3))]);
            for (var i = 0; i < 120; i++)
            {
                var at = i switch
                {
                    0 => Day0.AddDays(9), // the first tick of 10 March
                    1 => Day0.AddDays(10).AddTicks(-1), // its last
                    2 => Day0.AddDays(10),
                    _ => Day0.AddTicks((long)(random.NextDouble() * TimeSpan.FromDays(40).Ticks)),
                };
                var id = Guid.NewGuid();
                session.Events.StartStream<ServiceUserFeedback>(id,
                    [new FeedbackGiven(id, null, Guid.NewGuid(), 1 + random.Next(5), "Lovely people", i == 3 ? area + "-next-door" : area, null, at)]);
            }

            await session.SaveChangesAsync();
        }

        // Erasure masks free-text reasons and goals, and stores the snapshots again.
        var erasure = new FeedbackErasure(Store);
        foreach (var id in referrals.Where((_, i) => i % 9 == 0)) // as JourneyEvents expects
        {
            await erasure.EraseAsync(id, CancellationToken.None);
        }

        return area;
    }

    private static List<object> JourneyEvents(Random random, Guid id, string area, int i, Guid[] linkWorkers)
    {
        // Some at the very first and last tick of a day, the rest anywhere in 40 days.
        var requested = (i % 10) switch
        {
            0 => Day0.AddDays(i % 40),
            1 => Day0.AddDays(1 + (i % 40)).AddTicks(-1),
            _ => Day0.AddTicks((long)(random.NextDouble() * TimeSpan.FromDays(40).Ticks)),
        };
        DateTimeOffset After(DateTimeOffset at, double maxHours) => at.AddTicks((long)(random.NextDouble() * maxHours * TimeSpan.TicksPerHour));
        var service = Guid.NewGuid();
        var events = new List<object>
        {
            new JourneyRequested(id, Enum.GetValues<Pathway>()[random.Next(6)], area, Guid.NewGuid(), OrganisationKind.GpPractice, requested)
            {
                ShareWithReferrer = random.Next(2) == 0 ? "full" : "codes-only",
            },
            new JourneyRouted(id, service, requested.AddMinutes(1)),
        };

        var accepted = After(requested, 96);
        var erased = i % 9 == 0;
        if (random.NextDouble() < 0.75 || erased)
        {
            var worker = random.Next(linkWorkers.Length);
            // Two link workers share a name; the second (index 2) was renamed, so the latest acceptance names it.
            var name = worker == 2 && accepted > Day0.AddDays(20) ? "Alex Smith" : worker == 2 ? "Alexandra Smith" : LinkWorkerNames[worker];
            events.Add(new JourneyAccepted(id, service, linkWorkers[worker], name, accepted));
            for (var attempt = random.Next(4); attempt > 0; attempt--)
            {
                var contacted = random.NextDouble() < 0.05 ? requested.AddHours(-1) : After(accepted, 200);
                events.Add(new JourneyContactAttempted(id, random.Next(3) == 0 ? "no-answer" : "reached", contacted, contacted.AddMinutes(5)));
            }

            if (random.NextDouble() < 0.15)
            {
                events.Add(new JourneyPutOnHold(id, After(accepted, 300)));
                if (random.Next(2) == 0)
                {
                    events.Add(new JourneyResumed(id, After(accepted, 600)));
                }
            }

            for (var onward = random.Next(4); onward > 0; onward--)
            {
                events.AddRange(OnwardEvents(random, id, After(accepted, 100)));
            }

            if (erased)
            {
                // A provider's own words about the person, which erasure masks: the key changes, the count does not.
                var onward = Guid.NewGuid();
                var provider = Guid.NewGuid();
                events.Add(new OnwardRequested(onward, id, Guid.NewGuid(), provider, accepted));
                events.Add(new OnwardProgressed(onward, id, provider, OnwardReferralStep.Rejected, OnwardReferralStatus.Rejected, "Lives too far from the hall", accepted.AddHours(3)));
            }

            var closing = random.NextDouble();
            if (closing < 0.25)
            {
                events.Add(new JourneyClosed(id, ReferralStatus.Completed, "goals-met", After(accepted, 2000)));
            }
            else if (closing < 0.4)
            {
                string[] outcomes = ["disengaged", "declined", "moved-away", "referred-back", "other", "mystery"];
                events.Add(new JourneyClosed(id, ReferralStatus.Failed, outcomes[random.Next(outcomes.Length)], After(accepted, 2000)));
            }
        }
        else if (random.NextDouble() < 0.5)
        {
            string[] reasons = ["not-eligible", "out-of-area", "duplicate", "other", "something-new"];
            events.Add(new JourneyRejected(id, reasons[random.Next(reasons.Length)], After(requested, 48)));
        }

        if (random.NextDouble() < 0.08)
        {
            events.Add(new JourneyCancelled(id, random.Next(2) == 0 ? "revoked" : "entered-in-error", After(requested, 500)));
        }

        // Now and then the steps arrive in another order than they happened.
        return random.NextDouble() < 0.15 ? events.OrderBy(_ => random.Next()).ToList() : events;
    }

    private static IEnumerable<object> OnwardEvents(Random random, Guid id, DateTimeOffset requested)
    {
        var onward = Guid.NewGuid();
        var provider = Guid.NewGuid();
        var acknowledged = requested.AddTicks((long)(random.NextDouble() * 80 * TimeSpan.TicksPerHour));
        var later = acknowledged.AddHours(1 + random.Next(100));
        var events = new List<object> { new OnwardRequested(onward, id, Guid.NewGuid(), provider, requested) };
        if (random.NextDouble() < 0.8)
        {
            events.Add(new OnwardAcknowledged(onward, id, provider, acknowledged));
        }

        switch (random.Next(6))
        {
            case 0:
                string[] reasons = ["at-capacity", "at-capacity", "not-eligible", "out-of-area", "The group is full this term"];
                events.Add(new OnwardProgressed(onward, id, provider, OnwardReferralStep.Rejected, OnwardReferralStatus.Rejected, reasons[random.Next(reasons.Length)], later));
                break;
            case 1:
                events.Add(new OnwardProgressed(onward, id, provider, OnwardReferralStep.Accepted, OnwardReferralStatus.Accepted, null, later));
                events.Add(new OnwardProgressed(onward, id, provider, OnwardReferralStep.Completed, OnwardReferralStatus.Completed, null, later.AddDays(20)));
                break;
            case 2:
                events.Add(new OnwardProgressed(onward, id, provider, OnwardReferralStep.Failed, OnwardReferralStatus.Failed, "Did not come back after the first week", later));
                break;
            case 3:
                events.Add(new OnwardWithdrawn(onward, id, provider, "withdrawn", later));
                break;
            case 4:
                events.Add(new OnwardProgressed(onward, id, provider, OnwardReferralStep.Reminded, OnwardReferralStatus.Requested, null, later));
                break;
        }

        // An acknowledgement can overtake the request.
        return random.NextDouble() < 0.1 ? events.AsEnumerable().Reverse() : events;
    }

    private static List<object> Measures(Random random, Guid id)
    {
        var measures = new List<object>();
        if (random.NextDouble() < 0.4)
        {
            return measures;
        }

        var at = Day0.AddDays(50);
        MeasureRecorded Measure(Instrument instrument, Timepoint timepoint, IReadOnlyList<int>? responses, IReadOnlyList<GoalScore>? goals) =>
            new(Guid.NewGuid(), id, instrument, timepoint, responses, goals, new Actor(Guid.NewGuid(), OrganisationKind.LinkWorkerService), at);
        List<int> Items(int count, int min, int max) => Enumerable.Range(0, count).Select(_ => random.Next(min, max + 1)).ToList();
        foreach (var timepoint in new[] { Timepoint.Baseline, Timepoint.FollowUp })
        {
            // Follow-ups are missing now and then: no pair, no change.
            if (timepoint == Timepoint.FollowUp && random.NextDouble() < 0.2)
            {
                break;
            }

            measures.Add(Measure(Instrument.Swemwbs, timepoint, Items(7, 1, 5), null));
            if (random.Next(2) == 0)
            {
                measures.Add(Measure(Instrument.Wemwbs, timepoint, Items(14, 1, 5), null));
            }

            measures.Add(Measure(Instrument.Ons4, timepoint, Items(4, 0, 10), null));
            // One to three goals, named again in another case at follow-up, one sometimes dropped: means in thirds and halves.
            var goals = new[] { "Walk to the park", "Join a choir", "Cook twice a week" }.Take(1 + (id.GetHashCode() & 0x7fffffff) % 3)
                .Where((_, g) => timepoint == Timepoint.Baseline || g != 1 || random.Next(3) > 0)
                .Select(g => new GoalScore(timepoint == Timepoint.FollowUp ? g.ToUpperInvariant() : g, random.Next(11)))
                .ToList();
            measures.Add(Measure(Instrument.Goals, timepoint, null, goals));
        }

        return measures;
    }
}
