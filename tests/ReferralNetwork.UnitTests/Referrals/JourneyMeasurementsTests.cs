using ReferralNetwork.Contracts;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.UnitTests.EventSourcing;

namespace ReferralNetwork.UnitTests.Referrals;

/// <summary>What each change to a referral's stream adds to the journey metrics.</summary>
public class JourneyMeasurementsTests
{
    private static readonly DateTimeOffset Submitted = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Gp = Guid.NewGuid();
    private static readonly Guid LinkWorkerService = Guid.NewGuid();
    private static readonly Actor ByLinkWorkerService = new(LinkWorkerService, OrganisationKind.LinkWorkerService);
    private static readonly Guid Provider = Guid.NewGuid();
    private static readonly Actor ByProvider = new(Provider, OrganisationKind.CommunityProvider);
    private static readonly Guid OnwardId = Guid.NewGuid();

    private static ReferralRequested Request(Pathway pathway = Pathway.Gp) => new(
        Guid.NewGuid(), pathway, "liverpool-north", new Actor(Gp, OrganisationKind.GpPractice), "Riverside Surgery", ["loneliness"],
        Urgency.Routine, null, new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), null, null, null, null, null, null, null),
        new Consent(true, Submitted, ShareWithReferrer.Full), Submitted);

    private static Referral Routed()
    {
        var requested = Evolution.Start<Referral>(Request());
        return requested.Then(ReferralDecider.Decide(requested, new AssignLinkWorkerService(LinkWorkerService, "LN Link Workers", Submitted)));
    }

    private static IReadOnlyList<object> Accept(Referral r, DateTimeOffset at) =>
        ReferralDecider.Decide(r, new AssignLinkWorker(ByLinkWorkerService, Guid.NewGuid(), "Sam", at));

    private static Referral InProgress()
    {
        var accepted = Routed().Then(Accept(Routed(), Submitted.AddHours(1)));
        return accepted.Then(ReferralDecider.Decide(accepted, new RecordContact(ByLinkWorkerService, ContactOutcomes.Reached, Submitted, Submitted.AddHours(2))));
    }

    private static IReadOnlyList<object> ReferOn(Referral r, DateTimeOffset at) =>
        ReferralDecider.Decide(r, new AddOnwardReferral(ByLinkWorkerService, OnwardId, Guid.NewGuid(), "Walking group", Provider, "Green Steps", at));

    /// <summary>Measures a save of <paramref name="events"/>, each stepped through the referral's own Create and Apply.</summary>
    private static JourneyMeasurements Measure(Referral? before, IReadOnlyList<object> events)
    {
        var steps = new List<JourneyStep>();
        var state = before;
        foreach (var e in events)
        {
            state = state is null ? Evolution.Start<Referral>(e) : state.Then(e);
            steps.Add(new JourneyStep(e, state));
        }

        return JourneyMeasurements.Of(before, steps);
    }

    private static StatusChange Change(string from, string to) => new(from, to);

    [Fact]
    public void A_new_referral_is_submitted_on_its_pathway_and_moves_from_none_to_requested()
    {
        var measured = Measure(null, [Request()]);

        Assert.Equal([Pathway.Gp], measured.Submitted);
        Assert.Equal([Change("none", "requested")], measured.StatusChanges);
        Assert.Empty(measured.OnwardStatusChanges);
        Assert.Empty(measured.TimesToAcceptance);
        Assert.Empty(measured.TimesToAcknowledgement);
    }

    [Fact]
    public void A_self_referral_is_submitted_on_the_self_referral_pathway()
    {
        var measured = Measure(null, [Request(Pathway.SelfReferral)]);

        Assert.Equal([Pathway.SelfReferral], measured.Submitted);
        Assert.Equal("self-referral", measured.Submitted.Single().ToWire());
    }

    [Fact]
    public void Acceptance_moves_requested_to_accepted_and_measures_the_time_since_submission()
    {
        var routed = Routed();
        var measured = Measure(routed, Accept(routed, Submitted.AddHours(30).AddSeconds(5)));

        Assert.Empty(measured.Submitted);
        Assert.Equal([Change("requested", "accepted")], measured.StatusChanges);
        Assert.Equal([TimeSpan.FromHours(30) + TimeSpan.FromSeconds(5)], measured.TimesToAcceptance);
    }

    [Fact]
    public void An_acceptance_stamped_before_the_submission_by_a_skewed_clock_took_no_time_rather_than_negative_time()
    {
        var routed = Routed();
        var measured = Measure(routed, Accept(routed, Submitted.AddMilliseconds(-40)));

        Assert.Equal([TimeSpan.Zero], measured.TimesToAcceptance);
    }

    [Fact]
    public void Routing_to_a_link_worker_service_changes_no_status_and_records_nothing()
    {
        var requested = Evolution.Start<Referral>(Request());
        var measured = Measure(requested, ReferralDecider.Decide(requested, new AssignLinkWorkerService(LinkWorkerService, "LN", Submitted)));

        Assert.True(measured.IsEmpty);
    }

    [Fact]
    public void Reaching_the_person_moves_accepted_to_in_progress_without_another_acceptance_time()
    {
        var routed = Routed();
        var accepted = routed.Then(Accept(routed, Submitted.AddHours(1)));
        var measured = Measure(accepted,
            ReferralDecider.Decide(accepted, new RecordContact(ByLinkWorkerService, ContactOutcomes.Reached, Submitted, Submitted.AddHours(2))));

        Assert.Equal([Change("accepted", "in-progress")], measured.StatusChanges);
        Assert.Empty(measured.TimesToAcceptance);
    }

    [Fact]
    public void Hold_and_resume_are_each_a_status_change()
    {
        var inProgress = InProgress();
        var held = ReferralDecider.Decide(inProgress, new PutReferralOnHold(ByLinkWorkerService, "in hospital", Submitted.AddDays(3)));
        var onHold = inProgress.Then(held);
        var resumed = ReferralDecider.Decide(onHold, new ResumeReferral(ByLinkWorkerService, Submitted.AddDays(9)));

        Assert.Equal([Change("in-progress", "on-hold")], Measure(inProgress, held).StatusChanges);
        Assert.Equal([Change("on-hold", "in-progress")], Measure(onHold, resumed).StatusChanges);
        // In one save the two moves are still two moves, not "no change".
        Assert.Equal([Change("in-progress", "on-hold"), Change("on-hold", "in-progress")],
            Measure(inProgress, [.. held, .. resumed]).StatusChanges);
    }

    [Fact]
    public void Referring_on_starts_an_onward_referral_and_its_acknowledgement_measures_the_wait()
    {
        var inProgress = InProgress();
        var added = ReferOn(inProgress, Submitted.AddDays(10));
        var referredOn = inProgress.Then(added);
        var received = ReferralDecider.Decide(referredOn, new MarkOnwardReferralReceived(ByProvider, OnwardId, Submitted.AddDays(12).AddMinutes(30)));

        var onAdding = Measure(inProgress, added);
        Assert.Equal([Change("none", "requested")], onAdding.OnwardStatusChanges);
        Assert.Empty(onAdding.StatusChanges);

        var onReceipt = Measure(referredOn, received);
        Assert.Equal([Change("requested", "received")], onReceipt.OnwardStatusChanges);
        Assert.Equal([TimeSpan.FromDays(2) + TimeSpan.FromMinutes(30)], onReceipt.TimesToAcknowledgement);
        Assert.Empty(onReceipt.StatusChanges);
    }

    [Fact]
    public void An_onward_referral_from_a_snapshot_that_predates_its_request_time_still_counts_its_change_but_not_a_wait()
    {
        var inProgress = InProgress();
        var referredOn = inProgress.Then(ReferOn(inProgress, Submitted.AddDays(10)));
        var oldSnapshot = referredOn with { OnwardReferrals = [referredOn.OnwardReferrals.Single() with { RequestedAt = null }] };

        var measured = Measure(oldSnapshot,
            ReferralDecider.Decide(oldSnapshot, new MarkOnwardReferralReceived(ByProvider, OnwardId, Submitted.AddDays(11))));

        Assert.Equal([Change("requested", "received")], measured.OnwardStatusChanges);
        Assert.Empty(measured.TimesToAcknowledgement);
    }

    [Fact]
    public void The_provider_accepting_after_acknowledging_is_an_onward_change_with_no_second_wait()
    {
        var inProgress = InProgress();
        var referredOn = inProgress.Then(ReferOn(inProgress, Submitted.AddDays(10)));
        var receivedState = referredOn.Then(ReferralDecider.Decide(referredOn, new MarkOnwardReferralReceived(ByProvider, OnwardId, Submitted.AddDays(11))));

        var measured = Measure(receivedState, ReferralDecider.Decide(receivedState, new AcceptOnwardReferral(ByProvider, OnwardId, Submitted.AddDays(12))));

        Assert.Equal([Change("received", "accepted")], measured.OnwardStatusChanges);
        Assert.Empty(measured.TimesToAcknowledgement);
    }

    [Fact]
    public void Events_that_change_no_status_record_nothing()
    {
        var inProgress = InProgress();
        var referredOn = inProgress.Then(ReferOn(inProgress, Submitted.AddDays(10)));
        IReadOnlyList<object> quiet =
        [
            .. ReferralDecider.Decide(referredOn, new PostMessage(ByLinkWorkerService, "Sam", Guid.NewGuid(), "Any news?", Submitted.AddDays(11))),
            .. ReferralDecider.Decide(referredOn, new RecordMeasure(Guid.NewGuid(), "swemwbs", "baseline", new Dictionary<string, decimal> { ["metric"] = 19.25m }, Submitted.AddDays(11))),
            .. ReferralDecider.Decide(referredOn, new RecordContact(ByLinkWorkerService, ContactOutcomes.NoAnswer, Submitted, Submitted.AddDays(11))),
            .. ReferralDecider.Decide(referredOn, new RemindAboutOnwardReferral(ByProvider, OnwardId, Submitted.AddDays(13))),
        ];

        Assert.Equal(4, quiet.Count);
        Assert.True(Measure(referredOn, quiet).IsEmpty);
        Assert.True(Measure(referredOn, []).IsEmpty);
    }

    [Fact]
    public void Cancellation_moves_the_referral_to_cancelled_or_entered_in_error()
    {
        var routed = Routed();

        Assert.Equal([Change("requested", "cancelled")],
            Measure(routed, ReferralDecider.Decide(routed, new CancelReferral(new Actor(Gp, OrganisationKind.GpPractice), CancellationReason.Revoked, null, Submitted))).StatusChanges);
        Assert.Equal([Change("requested", "entered-in-error")],
            Measure(routed, ReferralDecider.Decide(routed, new CancelReferral(new Actor(Gp, OrganisationKind.GpPractice), CancellationReason.EnteredInError, null, Submitted))).StatusChanges);
    }

    [Fact]
    public void A_status_change_is_measured_whatever_event_made_it()
    {
        // The walk compares states; it names only the events whose times it measures.
        var inProgress = InProgress();
        var closed = inProgress with { Status = ReferralStatus.Completed };

        var measured = JourneyMeasurements.Of(inProgress, [new JourneyStep(new object(), closed)]);

        Assert.Equal([Change("in-progress", "completed")], measured.StatusChanges);
        Assert.Empty(measured.TimesToAcceptance);
    }
}
