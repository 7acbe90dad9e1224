using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Feedback.Involvement;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.Reports;
using ReferralNetwork.Feedback.Services;

namespace ReferralNetwork.UnitTests.Feedback;

public class ReportTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 10, 9, 0, 0, TimeSpan.Zero);
    private static readonly ReportPeriod January = new("test-area", new DateOnly(2025, 1, 1), new DateOnly(2025, 1, 31));

    [Fact]
    public void Percentile_of_one_value_is_that_value()
    {
        Assert.Equal(7m, Percentiles.Median([7m]));
        Assert.Equal(7m, Percentiles.P90([7m]));
    }

    [Fact]
    public void Percentile_of_two_values_interpolates()
    {
        Assert.Equal(2m, Percentiles.Median([3m, 1m]));
        Assert.Equal(2.8m, Percentiles.P90([1m, 3m]));
    }

    [Fact]
    public void Percentile_of_five_values_odd_count_median_is_the_middle()
    {
        Assert.Equal(3m, Percentiles.Median([5m, 1m, 4m, 2m, 3m]));
        Assert.Equal(4.6m, Percentiles.P90([1m, 2m, 3m, 4m, 5m]));
    }

    [Fact]
    public void Percentile_of_ten_values_even_count_median_is_the_mean_of_the_middle_two()
    {
        var values = Enumerable.Range(1, 10).Select(v => (decimal)v).Reverse().ToList();
        Assert.Equal(5.5m, Percentiles.Median(values));
        Assert.Equal(9.1m, Percentiles.P90(values));
        Assert.Equal(1m, Percentiles.Of(values, 0m));
        Assert.Equal(10m, Percentiles.Of(values, 1m));
    }

    [Fact]
    public void Percentile_of_nothing_is_null() => Assert.Null(Percentiles.Median([]));

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(4, true)]
    [InlineData(5, false)]
    [InlineData(12, false)]
    public void Counts_from_1_to_4_are_suppressed_and_0_is_shown(int count, bool suppressed)
    {
        var figure = Suppression.Count(count);
        Assert.Equal(suppressed, figure.Suppressed);
        Assert.Equal(suppressed ? null : count, figure.Value);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(4, true)]
    [InlineData(5, false)]
    public void Statistics_on_fewer_than_5_cases_are_suppressed(int cases, bool suppressed)
    {
        var figure = Suppression.Statistic(3.14159m, cases);
        Assert.Equal(suppressed, figure.Suppressed);
        Assert.Equal(suppressed ? null : 3.14m, figure.Value);
    }

    [Theory]
    [InlineData("I feel so lonely since my wife died", new[] { "loneliness" })]
    [InlineData("Help with debt and paying the bills please", new[] { "debt-and-money" })]
    [InlineData("A walking group in the park", new[] { "physical-activity", "nature-and-green-space" })]
    [InlineData("More buses on Sundays", new[] { "other" })]
    [InlineData("Billions of reasons", new[] { "other" })]
    [InlineData("GRIEF support, and MONEY advice", new[] { "debt-and-money", "bereavement" })]
    public void Themes_match_needs_and_their_keywords_as_whole_words(string text, string[] themes) =>
        Assert.Equal(themes, Themes.Of(text));

    [Fact]
    public void Theme_counts_cover_the_vocabulary_and_count_each_suggestion_under_each_of_its_themes()
    {
        var counts = Themes.Count([["loneliness"], ["loneliness", "housing"], ["other"]]);
        Assert.Equal(2, counts["loneliness"]);
        Assert.Equal(1, counts["housing"]);
        Assert.Equal(1, counts["other"]);
        Assert.Equal(0, counts["bereavement"]);
        Assert.Equal(Needs.All.Count, counts.Count);
    }

    [Fact]
    public void Journey_status_does_not_depend_on_the_order_events_arrive_in()
    {
        var id = Guid.NewGuid();
        var lw = Guid.NewGuid();
        var inOrder = ReferralJourney.Create(new JourneyRequested(id, Pathway.Gp, "a", Guid.NewGuid(), OrganisationKind.GpPractice, T0))
            .Apply(new JourneyAccepted(id, Guid.NewGuid(), lw, "Sam", T0.AddHours(1)))
            .Apply(new JourneyContactAttempted(id, "reached", T0.AddHours(2), T0.AddHours(2)));
        var reversed = ReferralJourney.Create(new JourneyContactAttempted(id, "reached", T0.AddHours(2), T0.AddHours(2)))
            .Apply(new JourneyAccepted(id, Guid.NewGuid(), lw, "Sam", T0.AddHours(1)))
            .Apply(new JourneyRequested(id, Pathway.Gp, "a", Guid.NewGuid(), OrganisationKind.GpPractice, T0));
        Assert.Equal(ReferralStatus.InProgress, inOrder.Status);
        Assert.Equal(ReferralStatus.InProgress, reversed.Status);
        Assert.Equal(JourneyIds.For(id), reversed.Id);
        Assert.NotEqual(id, reversed.Id);

        var held = inOrder.Apply(new JourneyPutOnHold(id, T0.AddHours(3)));
        Assert.Equal(ReferralStatus.OnHold, held.Status);
        Assert.Equal(ReferralStatus.InProgress, held.Apply(new JourneyResumed(id, T0.AddHours(4))).Status);
    }

    [Fact]
    public void Onward_acknowledgement_overtaking_the_request_still_counts_as_received()
    {
        var id = Guid.NewGuid();
        var onward = Guid.NewGuid();
        var journey = ReferralJourney.Create(new OnwardAcknowledged(onward, id, Guid.NewGuid(), T0.AddHours(5)))
            .Apply(new OnwardRequested(onward, id, Guid.NewGuid(), Guid.NewGuid(), T0));
        var o = Assert.Single(journey.Onward);
        Assert.Equal(OnwardReferralStatus.Received, o.Status);
        Assert.Equal(T0, o.RequestedAt);
        Assert.Equal(T0.AddHours(5), o.AcknowledgedAt);
    }

    [Fact]
    public void Summary_composes_exact_numbers_from_hand_built_journeys()
    {
        var report = Scenario();

        Assert.Equal(6m, report.Referrals.Total.Value);
        Assert.Equal(5m, report.Referrals.ByPathway["gp"].Value);
        Assert.True(report.Referrals.ByPathway["self-referral"].Suppressed);
        Assert.Equal(0m, report.Referrals.ByPathway["social-care"].Value);
        Assert.False(report.Referrals.ByPathway["social-care"].Suppressed);

        Assert.Equal(6m, report.Funnel.Requested.Value);
        Assert.Equal(5m, report.Funnel.Accepted.Value);
        Assert.Equal(5m, report.Funnel.InProgress.Value);
        Assert.True(report.Funnel.Completed.Suppressed);
        Assert.True(report.Funnel.Rejected.Suppressed);
        Assert.True(report.Funnel.RejectedByReason["not-eligible"].Suppressed);
        Assert.Equal(0m, report.Funnel.RejectedByReason["duplicate"].Value);
        Assert.Equal(0m, report.Funnel.Failed.Value);
        Assert.Equal(0m, report.Funnel.Cancelled.Value);

        // Acceptance after 1, 2, 3, 4, 10 hours; first contact after 2, 4, 6, 8, 20 hours.
        Assert.Equal(5m, report.WaitingTimes.ToAcceptance.Cases.Value);
        Assert.Equal(3m, report.WaitingTimes.ToAcceptance.MedianHours.Value);
        Assert.Equal(7.6m, report.WaitingTimes.ToAcceptance.P90Hours.Value);
        Assert.Equal(6m, report.WaitingTimes.ToFirstContactAttempt.MedianHours.Value);
        Assert.Equal(15.2m, report.WaitingTimes.ToFirstContactAttempt.P90Hours.Value);
        Assert.Equal(6m, report.WaitingTimes.ToFirstReached.MedianHours.Value);
        Assert.True(report.WaitingTimes.ToProviderAcknowledgement.Cases.Suppressed);
        Assert.True(report.WaitingTimes.ToProviderAcknowledgement.MedianHours.Suppressed);

        Assert.True(report.OnwardReferrals.Total.Suppressed);
        Assert.True(report.OnwardReferrals.ByStatus["rejected"].Suppressed);
        Assert.True(report.OnwardReferrals.ByRejectReason["at-capacity"].Suppressed);
        Assert.True(report.OnwardReferrals.AtCapacity.Suppressed);
        Assert.Equal(0m, report.OnwardReferrals.ByStatus["completed"].Value);

        var capacity = Assert.Single(report.ProviderCapacity);
        Assert.Equal((10, 3, 70m), (capacity.Maximum, capacity.Available, capacity.UsedPercent));

        Assert.Equal(["Alex Smith", "Sam Jones"], report.LinkWorkers.Select(w => w.Name));
        var alex = report.LinkWorkers[0];
        Assert.True(alex.ActiveCases.Suppressed);
        Assert.True(alex.AcceptedInPeriod.Suppressed);

        var swemwbs = report.OutcomeChange.Single(o => o.Instrument == "swemwbs");
        Assert.Equal(5m, swemwbs.Pairs.Value);
        Assert.Equal(4.62m, swemwbs.MeanChange.Value); // (4 × 5.78 + 0) / 5 = 4.624
        var wemwbs = report.OutcomeChange.Single(o => o.Instrument == "wemwbs");
        Assert.Equal(0m, wemwbs.Pairs.Value);
        Assert.True(wemwbs.MeanChange.Suppressed);

        Assert.Equal(5m, report.Feedback.Count.Value);
        Assert.Equal(4.2m, report.Feedback.MeanRating.Value);
        Assert.Equal(0m, report.Feedback.Distribution["1"].Value);
        Assert.True(report.Feedback.Distribution["5"].Suppressed);
    }

    [Fact]
    public void Summary_csv_has_one_row_per_figure_with_stars_for_suppressed()
    {
        var csv = SummaryReports.ToCsv(Scenario());
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("section,metric,value", lines[0]);
        Assert.All(lines, l => Assert.Equal(3, l.Split(',').Length));
        Assert.Contains("referrals,total,6", lines);
        Assert.Contains("referrals,pathway.gp,5", lines);
        Assert.Contains("referrals,pathway.self-referral,*", lines);
        Assert.Contains("referrals,pathway.social-care,0", lines);
        Assert.Contains("funnel,in-progress,5", lines);
        Assert.Contains("waiting-times,to-acceptance.median-hours,3", lines);
        Assert.Contains("waiting-times,to-acceptance.p90-hours,7.6", lines);
        Assert.Contains("waiting-times,to-provider-acknowledgement.median-hours,*", lines);
        Assert.Contains("outcome-change,swemwbs.metric.pairs,5", lines);
        Assert.Contains("outcome-change,swemwbs.metric.mean-change,4.62", lines);
        Assert.Contains("feedback,mean-rating,4.2", lines);
    }

    internal static SummaryReport Scenario()
    {
        var alex = Guid.NewGuid();
        var sam = Guid.NewGuid();
        var service = Guid.NewGuid();
        var acceptHours = new[] { 1, 2, 3, 4, 10 };
        var journeys = new List<ReferralJourney>();
        var outcomes = new Dictionary<Guid, IReadOnlyList<Measure>>();
        for (var i = 0; i < 5; i++)
        {
            var id = Guid.NewGuid();
            var requested = T0.AddDays(i);
            var journey = Requested(id, Pathway.Gp, requested)
                .Apply(new JourneyAccepted(id, Guid.NewGuid(), i < 3 ? alex : sam, i < 3 ? "Alex Smith" : "Sam Jones", requested.AddHours(acceptHours[i])))
                .Apply(new JourneyContactAttempted(id, "reached", requested.AddHours(acceptHours[i] * 2), requested.AddHours(30)));
            if (i < 2)
            {
                journey = journey.Apply(new JourneyClosed(id, ReferralStatus.Completed, "goals-met", requested.AddDays(20)));
            }

            if (i == 0)
            {
                var onward = Guid.NewGuid();
                journey = journey.Apply(new OnwardRequested(onward, id, service, Guid.NewGuid(), requested.AddHours(5)))
                    .Apply(new OnwardAcknowledged(onward, id, Guid.NewGuid(), requested.AddHours(7)))
                    .Apply(new OnwardProgressed(onward, id, Guid.NewGuid(), OnwardReferralStep.Rejected, OnwardReferralStatus.Rejected, "at-capacity", requested.AddHours(8)));
            }

            journeys.Add(journey);
            var followUp = i < 4 ? 4 : 3;
            outcomes[id] =
            [
                new Measure(Guid.NewGuid(), Instrument.Swemwbs, Timepoint.Baseline, [3, 3, 3, 3, 3, 3, 3], null, requested),
                new Measure(Guid.NewGuid(), Instrument.Swemwbs, Timepoint.FollowUp, Enumerable.Repeat(followUp, 7).ToList(), null, requested.AddDays(60)),
                new Measure(Guid.NewGuid(), Instrument.Wemwbs, Timepoint.Baseline, Enumerable.Repeat(3, 14).ToList(), null, requested),
            ];
        }

        var rejectedId = Guid.NewGuid();
        journeys.Add(Requested(rejectedId, Pathway.SelfReferral, T0).Apply(new JourneyRejected(rejectedId, "not-eligible", T0.AddHours(1))));
        var laterId = Guid.NewGuid();
        journeys.Add(Requested(laterId, Pathway.Gp, new DateTimeOffset(2025, 2, 5, 9, 0, 0, TimeSpan.Zero))
            .Apply(new JourneyAccepted(laterId, Guid.NewGuid(), alex, "Alex Smith", new DateTimeOffset(2025, 2, 5, 10, 0, 0, TimeSpan.Zero))));

        var services = new List<ListedService> { new(service, Guid.NewGuid(), "Walking group", "test-area", 10, 3, T0) };
        var ratings = new List<RatingGiven>
        {
            new(5, T0), new(4, T0), new(4, T0), new(3, T0), new(5, T0), new(1, new DateTimeOffset(2025, 2, 1, 0, 0, 0, TimeSpan.Zero)),
        };
        return SummaryReports.Compose(January, journeys, outcomes, services, ratings);
    }

    private static ReferralJourney Requested(Guid id, Pathway pathway, DateTimeOffset at) =>
        ReferralJourney.Create(new JourneyRequested(id, pathway, "test-area", Guid.NewGuid(), OrganisationKind.GpPractice, at));
}
