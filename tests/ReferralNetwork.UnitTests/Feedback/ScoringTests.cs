using ReferralNetwork.Feedback.Outcomes;

namespace ReferralNetwork.UnitTests.Feedback;

public class ScoringTests
{
    [Fact]
    public void Swemwbs_all_ones_is_raw_7_metric_7()
    {
        var score = Assert.IsType<SwemwbsScore>(Scoring.Score(Instrument.Swemwbs, [1, 1, 1, 1, 1, 1, 1], null));
        Assert.Equal(7, score.Raw);
        Assert.Equal(7.00m, score.Metric);
    }

    [Fact]
    public void Swemwbs_all_fives_is_raw_35_metric_35()
    {
        var score = Assert.IsType<SwemwbsScore>(Scoring.Score(Instrument.Swemwbs, [5, 5, 5, 5, 5, 5, 5], null));
        Assert.Equal(35, score.Raw);
        Assert.Equal(35.00m, score.Metric);
    }

    [Theory]
    [InlineData(8, 9.51)]
    [InlineData(16, 16.36)]
    [InlineData(17, 16.88)]
    [InlineData(21, 19.25)]
    [InlineData(26, 23.21)]
    [InlineData(27, 24.11)]
    [InlineData(33, 30.70)]
    [InlineData(34, 32.55)]
    public void Swemwbs_raw_scores_convert_with_the_table(int raw, double metric) =>
        Assert.Equal((decimal)metric, Scoring.SwemwbsMetricFor(raw));

    [Fact]
    public void Swemwbs_partner_api_example_raw_21_is_metric_19_25()
    {
        var score = Assert.IsType<SwemwbsScore>(Scoring.Score(Instrument.Swemwbs, [3, 3, 3, 3, 3, 3, 3], null));
        Assert.Equal(new SwemwbsScore(21, 19.25m), score);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(36)]
    public void Swemwbs_raw_outside_7_to_35_has_no_metric(int raw) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Scoring.SwemwbsMetricFor(raw));

    [Fact]
    public void Wemwbs_is_the_sum_of_fourteen_items()
    {
        Assert.Equal(new WemwbsScore(14), Scoring.Score(Instrument.Wemwbs, Enumerable.Repeat(1, 14).ToList(), null));
        Assert.Equal(new WemwbsScore(70), Scoring.Score(Instrument.Wemwbs, Enumerable.Repeat(5, 14).ToList(), null));
    }

    [Theory]
    [InlineData(0, "low")]
    [InlineData(4, "low")]
    [InlineData(5, "medium")]
    [InlineData(6, "medium")]
    [InlineData(7, "high")]
    [InlineData(8, "high")]
    [InlineData(9, "very-high")]
    [InlineData(10, "very-high")]
    public void Ons4_positive_items_band_at_the_published_edges(int value, string band) => Assert.Equal(band, Scoring.PositiveBand(value));

    [Theory]
    [InlineData(0, "very-low")]
    [InlineData(1, "very-low")]
    [InlineData(2, "low")]
    [InlineData(3, "low")]
    [InlineData(4, "medium")]
    [InlineData(5, "medium")]
    [InlineData(6, "high")]
    [InlineData(10, "high")]
    public void Ons4_anxiety_bands_at_the_published_edges(int value, string band) => Assert.Equal(band, Scoring.AnxietyBand(value));

    [Fact]
    public void Ons4_items_are_reported_separately_in_order()
    {
        var score = Assert.IsType<Ons4Score>(Scoring.Score(Instrument.Ons4, [4, 7, 9, 6], null));
        Assert.Equal(new Ons4Item(4, "low"), score.LifeSatisfaction);
        Assert.Equal(new Ons4Item(7, "high"), score.Worthwhile);
        Assert.Equal(new Ons4Item(9, "very-high"), score.Happiness);
        Assert.Equal(new Ons4Item(6, "high"), score.Anxiety);
    }

    [Theory]
    [InlineData(Instrument.Swemwbs, new[] { 1, 2, 3, 4, 5, 1 })]
    [InlineData(Instrument.Swemwbs, new[] { 1, 2, 3, 4, 5, 1, 6 })]
    [InlineData(Instrument.Swemwbs, new[] { 0, 2, 3, 4, 5, 1, 1 })]
    [InlineData(Instrument.Wemwbs, new[] { 1, 2, 3, 4, 5, 1, 1 })]
    [InlineData(Instrument.Ons4, new[] { 1, 2, 3, 11 })]
    [InlineData(Instrument.Ons4, new[] { -1, 2, 3, 4 })]
    [InlineData(Instrument.Ons4, new[] { 1, 2, 3 })]
    public void Wrong_item_counts_and_ranges_are_refused(Instrument instrument, int[] responses) =>
        Assert.NotEmpty(Scoring.Check(instrument, responses, null));

    [Fact]
    public void Wemwbs_items_outside_1_to_5_are_refused()
    {
        Assert.NotEmpty(Scoring.Check(Instrument.Wemwbs, [.. Enumerable.Repeat(3, 13), 6], null));
        Assert.NotEmpty(Scoring.Check(Instrument.Wemwbs, [.. Enumerable.Repeat(3, 13), 0], null));
        Assert.Empty(Scoring.Check(Instrument.Wemwbs, Enumerable.Repeat(5, 14).ToList(), null));
    }

    [Fact]
    public void Ons4_accepts_0_and_10_at_the_ends()
    {
        Assert.Empty(Scoring.Check(Instrument.Ons4, [0, 10, 0, 10], null));
        var score = Assert.IsType<Ons4Score>(Scoring.Score(Instrument.Ons4, [0, 10, 0, 10], null));
        Assert.Equal(new Ons4Item(10, "high"), score.Anxiety);
    }

    [Fact]
    public void Responses_are_required_for_item_instruments() => Assert.NotEmpty(Scoring.Check(Instrument.Swemwbs, null, null));

    [Fact]
    public void Goals_take_one_to_three_distinct_goals_scored_0_to_10()
    {
        Assert.Empty(Scoring.Check(Instrument.Goals, null, [new("Walk to the shops", 3), new("Join a group", 0), new("Sleep better", 10)]));
        Assert.NotEmpty(Scoring.Check(Instrument.Goals, null, []));
        Assert.NotEmpty(Scoring.Check(Instrument.Goals, null, [new("a", 1), new("b", 1), new("c", 1), new("d", 1)]));
        Assert.NotEmpty(Scoring.Check(Instrument.Goals, null, [new("a", 11)]));
        Assert.NotEmpty(Scoring.Check(Instrument.Goals, null, [new("a", 2), new("A", 3)]));
    }

    [Fact]
    public void Change_needs_both_timepoints_and_uses_the_metric_score()
    {
        var at = DateTimeOffset.UnixEpoch;
        var baseline = new Measure(Guid.NewGuid(), Instrument.Swemwbs, Timepoint.Baseline, [3, 3, 3, 3, 3, 3, 3], null, at);
        Assert.Empty(OutcomeChange.For([baseline]));

        var followUp = new Measure(Guid.NewGuid(), Instrument.Swemwbs, Timepoint.FollowUp, [4, 4, 4, 4, 4, 4, 4], null, at);
        var change = Assert.Single(OutcomeChange.For([baseline, followUp]));
        Assert.Equal(25.03m - 19.25m, change.Change["metric"]);
    }

    [Fact]
    public void Goal_change_is_per_goal()
    {
        var at = DateTimeOffset.UnixEpoch;
        var change = Assert.Single(OutcomeChange.For(
        [
            new Measure(Guid.NewGuid(), Instrument.Goals, Timepoint.Baseline, null, [new("Walk", 2), new("Cook", 5)], at),
            new Measure(Guid.NewGuid(), Instrument.Goals, Timepoint.FollowUp, null, [new("walk", 7), new("Cook", 4)], at),
        ]));
        Assert.Equal(5, change.Change["Walk"]);
        Assert.Equal(-1, change.Change["Cook"]);
    }
}
