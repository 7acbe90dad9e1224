using ReferralNetwork.Contracts;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.Reports;

namespace ReferralNetwork.UnitTests.Feedback;

public class ReportTallyTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 10, 9, 0, 0, TimeSpan.Zero);
    private static readonly ReportPeriod January = new("test-area", new DateOnly(2025, 1, 1), new DateOnly(2025, 1, 31));

    [Fact]
    public void The_mean_goal_change_is_exact_where_summed_thirds_would_round_the_other_way()
    {
        // Of a thousand people, 25 improve their one goal by a point, 675 keep it, and 300 improve one of three
        // goals by a point (a mean of 1/3 each): the mean is (25 + 100) / 1000 = 0.125, which rounds to 0.13.
        // Summed one by one, each 0.333…3 loses a little more at the end of the running total: 0.12.
        var outcomes = new Dictionary<Guid, IReadOnlyList<Measure>>();
        var journeys = new List<ReferralJourney>();
        for (var i = 0; i < 1000; i++)
        {
            var id = Guid.NewGuid();
            journeys.Add(ReferralJourney.Create(new JourneyRequested(id, Pathway.Gp, "test-area", Guid.NewGuid(), OrganisationKind.GpPractice, T0)));
            var thirds = i >= 700;
            string[] goals = thirds ? ["walk", "cook", "sing"] : ["walk"];
            var improves = thirds || i < 25;
            outcomes[id] =
            [
                new Measure(Guid.NewGuid(), Instrument.Goals, Timepoint.Baseline, null, goals.Select(g => new GoalScore(g, 4)).ToList(), T0),
                new Measure(Guid.NewGuid(), Instrument.Goals, Timepoint.FollowUp, null,
                    goals.Select((g, n) => new GoalScore(g, improves && n == 0 ? 5 : 4)).ToList(), T0.AddDays(30)),
            ];
        }

        var report = SummaryReports.Compose(January, journeys, outcomes, [], []);

        var goalsRow = report.OutcomeChange.Single(o => o.Instrument == "goals");
        Assert.Equal(1000m, goalsRow.Pairs.Value);
        Assert.Equal(0.13m, goalsRow.MeanChange.Value);
    }

    [Fact]
    public void Reasons_no_list_names_follow_the_known_ones_in_ordinal_order_whatever_order_the_journeys_come_in()
    {
        var journeys = new[] { "zebra-reason", "Apple-reason", "not-eligible", "apple-reason", "zebra-reason" }
            .SelectMany(reason => Enumerable.Range(0, 5).Select(_ =>
            {
                var id = Guid.NewGuid();
                return ReferralJourney.Create(new JourneyRequested(id, Pathway.Gp, "test-area", Guid.NewGuid(), OrganisationKind.GpPractice, T0))
                    .Apply(new JourneyRejected(id, reason, T0.AddHours(1)));
            }))
            .ToList();

        var forwards = SummaryReports.Compose(January, journeys, new Dictionary<Guid, IReadOnlyList<Measure>>(), [], []);
        journeys.Reverse();
        var backwards = SummaryReports.Compose(January, journeys, new Dictionary<Guid, IReadOnlyList<Measure>>(), [], []);

        string[] expected = ["not-eligible", "out-of-area", "duplicate", "other", "Apple-reason", "apple-reason", "zebra-reason"];
        Assert.Equal(expected, forwards.Funnel.RejectedByReason.Keys);
        Assert.Equal(expected, backwards.Funnel.RejectedByReason.Keys);
        Assert.Equal(10m, forwards.Funnel.RejectedByReason["zebra-reason"].Value);
    }
}
