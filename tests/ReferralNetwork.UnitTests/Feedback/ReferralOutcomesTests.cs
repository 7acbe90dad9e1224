using ReferralNetwork.Contracts;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.UnitTests.EventSourcing;

namespace ReferralNetwork.UnitTests.Feedback;

public class ReferralOutcomesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static MeasureRecorded Measured(Guid referralId, Timepoint timepoint, int each, DateTimeOffset at) => new(
        Guid.NewGuid(), referralId, Instrument.Swemwbs, timepoint, Enumerable.Repeat(each, 7).ToList(), null,
        new Actor(Guid.NewGuid(), OrganisationKind.LinkWorkerService), at);

    [Fact]
    public void Every_measure_is_kept_in_order_and_the_change_runs_from_baseline_to_follow_up()
    {
        var referralId = Guid.NewGuid();
        var outcomes = Evolution.Start<ReferralOutcomes>(Measured(referralId, Timepoint.Baseline, 2, At), Measured(referralId, Timepoint.FollowUp, 3, At.AddDays(90)));
        Assert.Equal(referralId, outcomes.Id);
        Assert.Equal([Timepoint.Baseline, Timepoint.FollowUp], outcomes.Measures.Select(m => m.Timepoint));
        var change = Assert.Single(OutcomeChange.For(outcomes.Measures));
        Assert.Equal((outcomes.Measures[0].Id, outcomes.Measures[1].Id), (change.BaselineId, change.FollowUpId));
        Assert.True(change.Change["metric"] > 0);
    }

    [Fact]
    public void The_version_is_left_to_the_stream()
    {
        // Marten sets Version from the stream; an Apply that counted too would drift from it.
        var referralId = Guid.NewGuid();
        var first = ReferralOutcomes.Create(Measured(referralId, Timepoint.Baseline, 2, At));
        Assert.Equal(0, first.Version);
        Assert.Equal(0, first.Apply(Measured(referralId, Timepoint.FollowUp, 3, At)).Version);
    }
}
