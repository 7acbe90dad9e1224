using ReferralNetwork.Contracts;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Outcomes;

namespace ReferralNetwork.UnitTests.Feedback;

/// <summary>GET /api/outcomes for a referrer without full consent (issue 12 item 4): scores under labels, never the goal texts.</summary>
public class GoalLabelsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static Measure Goals(Timepoint timepoint, params (string Goal, int Score)[] goals) =>
        new(Guid.NewGuid(), Instrument.Goals, timepoint, null, goals.Select(g => new GoalScore(g.Goal, g.Score)).ToList(), At);

    [Fact]
    public void Goal_texts_become_labels_that_pair_baseline_and_follow_up_as_the_texts_did()
    {
        var wemwbs = new Measure(Guid.NewGuid(), Instrument.Wemwbs, Timepoint.Baseline, Enumerable.Repeat(3, 14).ToList(), null, At);
        IReadOnlyList<Measure> measures =
        [
            wemwbs,
            Goals(Timepoint.Baseline, ("Walk to the shops", 2), ("Call my sister", 5)),
            Goals(Timepoint.FollowUp, ("call my sister", 8), ("Walk to the shops", 6), ("Join a choir", 4)),
        ];

        var labelled = GoalLabels.WithoutGoalTexts(measures);

        Assert.Same(wemwbs, labelled[0]);
        Assert.Equal([("goal-2", 2), ("goal-1", 5)], labelled[1].Goals!.Select(g => (g.Goal, g.Score)));
        Assert.Equal([("goal-1", 8), ("goal-2", 6), ("goal-3", 4)], labelled[2].Goals!.Select(g => (g.Goal, g.Score)));
        Assert.Equal(measures.Select(m => m.Id), labelled.Select(m => m.Id));

        // The change is the same numbers as from the texts, under the labels.
        var byText = Assert.Single(OutcomeChange.For(measures));
        var byLabel = Assert.Single(OutcomeChange.For(labelled));
        Assert.Equal(byText.Change["Call my sister"], byLabel.Change["goal-1"]);
        Assert.Equal(byText.Change["Walk to the shops"], byLabel.Change["goal-2"]);
        Assert.DoesNotContain(byLabel.Change.Keys, k => !k.StartsWith("goal-", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("full", true)]
    [InlineData("codes-only", false)]
    [InlineData(null, false)]
    [InlineData("something-new", false)]
    public void A_journey_shares_goal_texts_with_its_referrer_only_when_the_request_said_full(string? share, bool full)
    {
        var id = Guid.NewGuid();
        var requested = new JourneyRequested(id, Pathway.Gp, "liverpool-north", Guid.NewGuid(), OrganisationKind.GpPractice, At) { ShareWithReferrer = share };
        Assert.Equal(full, ReferralJourney.Create(requested).SharesFullWithReferrer);
        // Whatever arrived first, the request decides.
        Assert.Equal(full, ReferralJourney.Create(new JourneyRouted(id, Guid.NewGuid(), At)).Apply(requested).SharesFullWithReferrer);
        Assert.False(ReferralJourney.Empty(id).SharesFullWithReferrer);
    }
}
