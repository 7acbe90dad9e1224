using JasperFx.Events;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.UnitTests.EventSourcing;
using Published = ReferralNetwork.Contracts.LinkWorkers;

namespace ReferralNetwork.UnitTests.LinkWorkers;

/// <summary>Every case command in every case status: allowed ones change the case, refused ones throw RuleViolation (409).</summary>
public class CaseLifecycleTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Service = Guid.NewGuid();
    private static readonly LinkWorker Sam = new(Guid.NewGuid(), Service, "Sam", 10, At);
    private static readonly Guid WalkingGroupReferral = Guid.NewGuid();

    private static readonly DirectoryListing WalkingGroup = new(
        Guid.NewGuid(), Guid.NewGuid(), "Green Steps", "Walking group", ["physical-activity"], "liverpool-north", "direct", 10, 4, At);

    private static readonly DirectoryListing LunchClub = new(
        Guid.NewGuid(), Guid.NewGuid(), "Good Neighbours", "Lunch club", ["loneliness"], "liverpool-north", "direct", 20, 8, At);

    private static readonly string[] Statuses = ["requested", "accepted", "in-progress", "on-hold", "completed", "failed", "rejected", "cancelled"];

    /// <summary>Which statuses each command is allowed from; every other status refuses it.</summary>
    private static readonly Dictionary<string, string[]> AllowedFrom = new()
    {
        ["accept"] = ["requested"],
        ["reject"] = ["requested"],
        ["contact"] = ["accepted", "in-progress", "on-hold"],
        ["hold"] = ["accepted", "in-progress"],
        ["resume"] = ["on-hold"],
        ["close"] = ["accepted", "in-progress", "on-hold"],
        ["refer-on"] = ["accepted", "in-progress", "on-hold"],
        ["withdraw"] = ["accepted", "in-progress", "on-hold"],
    };

    public static TheoryData<string, string, bool> Transitions()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var (command, allowed) in AllowedFrom)
        {
            foreach (var status in Statuses)
            {
                data.Add(status, command, allowed.Contains(status));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Each_command_is_allowed_only_from_its_statuses(string status, string command, bool allowed)
    {
        var current = InStatus(status);
        Assert.Equal(status, current.Status.ToWire());

        if (allowed)
        {
            var next = current.Then(Decide(current, command));
            Assert.Equal(current.Version + 1, next.Version);
        }
        else
        {
            Assert.Throws<RuleViolation>(() => Decide(current, command));
        }
    }

    [Theory]
    [InlineData("accepted")]
    [InlineData("in-progress")]
    public void Resuming_returns_to_the_status_before_the_hold(string before)
    {
        var current = InStatus(before);
        var held = current.Then(CaseDecider.Decide(current, new PutCaseOnHold("In hospital for two weeks", At)));
        Assert.Equal(ReferralStatus.OnHold, held.Status);
        Assert.True(held.IsActive);

        var resumed = held.Then(CaseDecider.Decide(held, new ResumeCase(At.AddDays(14))));
        Assert.Equal(before, resumed.Status.ToWire());
        Assert.Null(resumed.HeldFrom);
    }

    [Fact]
    public void A_case_held_from_in_progress_and_closed_from_hold_is_finished()
    {
        var held = InStatus("on-hold");
        var closed = held.Then(CaseDecider.Decide(held, new CloseCase(CaseOutcome.MovedAway, "Moved to Leeds.", At)));
        Assert.Equal(ReferralStatus.Completed, closed.Status);
        Assert.Equal(CaseOutcome.MovedAway, closed.Outcome);
        Assert.False(closed.IsActive);
    }

    [Theory]
    [InlineData(CaseOutcome.GoalsMet, ReferralStatus.Completed)]
    [InlineData(CaseOutcome.PartiallyMet, ReferralStatus.Completed)]
    [InlineData(CaseOutcome.Disengaged, ReferralStatus.Failed)]
    [InlineData(CaseOutcome.Declined, ReferralStatus.Completed)]
    [InlineData(CaseOutcome.MovedAway, ReferralStatus.Completed)]
    [InlineData(CaseOutcome.ReferredBack, ReferralStatus.Completed)]
    [InlineData(CaseOutcome.Other, ReferralStatus.Completed)]
    public void Closing_completes_the_case_unless_the_person_disengaged(CaseOutcome outcome, ReferralStatus expected)
    {
        var current = InStatus("in-progress");
        var closed = CaseDecider.Decide(current, new CloseCase(outcome, "Summary", At));
        Assert.Equal(expected, Assert.IsType<CaseClosed>(Assert.Single(closed)).Status);
        Assert.Equal(expected, current.Then(closed).Status);
    }

    [Theory]
    [InlineData("rejected")]
    [InlineData("completed")]
    [InlineData("failed")]
    [InlineData("cancelled")]
    public void Finished_cases_do_not_count_against_a_caseload(string status) => Assert.False(InStatus(status).IsActive);

    [Fact]
    public void A_rejection_records_its_reason_and_the_case_never_had_a_link_worker()
    {
        var rejected = Opened().Then(CaseDecider.Decide(Opened(), new RejectCase(RejectionReason.OutOfArea, "Lives in Wirral", At)));
        Assert.Equal(ReferralStatus.Rejected, rejected.Status);
        Assert.Equal(RejectionReason.OutOfArea, rejected.RejectionReason);
        Assert.Null(rejected.LinkWorkerId);
    }

    [Fact]
    public void Withdrawing_tells_the_provider_and_leaves_the_onward_referral_cancelled()
    {
        var current = InStatus("in-progress");
        var withdrawn = Assert.IsType<CaseOnwardReferralWithdrawn>(
            Assert.Single(CaseDecider.Decide(current, new WithdrawOnwardReferral(WalkingGroupReferral, "Person changed their mind", At))));
        Assert.Equal(WithdrawalReasons.Withdrawn, withdrawn.Reason);
        Assert.Equal(WalkingGroup.ProviderId, withdrawn.ProviderId);

        var after = current.Then(withdrawn);
        Assert.Equal(OnwardReferralStatus.Cancelled, after.OnwardReferral(WalkingGroupReferral)!.Status);
        Assert.Throws<RuleViolation>(() => CaseDecider.Decide(after, new WithdrawOnwardReferral(WalkingGroupReferral, null, At)));
    }

    [Fact]
    public void Withdrawing_an_onward_referral_the_case_does_not_have_is_not_found() =>
        Assert.Throws<NotVisible>(() => CaseDecider.Decide(InStatus("accepted"), new WithdrawOnwardReferral(Guid.NewGuid(), null, At)));

    [Theory]
    [InlineData(OnwardReferralStep.Rejected, OnwardReferralStatus.Rejected)]
    [InlineData(OnwardReferralStep.Completed, OnwardReferralStatus.Completed)]
    [InlineData(OnwardReferralStep.Failed, OnwardReferralStatus.Failed)]
    public void A_finished_onward_referral_cannot_be_withdrawn(OnwardReferralStep step, OnwardReferralStatus status)
    {
        var current = InStatus("in-progress");
        var finished = current.Then(CaseDecider.Decide(current, new MirrorProgress(WalkingGroupReferral, step, status, null, At)));
        Assert.Throws<RuleViolation>(() => CaseDecider.Decide(finished, new WithdrawOnwardReferral(WalkingGroupReferral, null, At)));
    }

    [Theory]
    [InlineData("revoked", ReferralStatus.Cancelled)]
    [InlineData("entered-in-error", ReferralStatus.EnteredInError)]
    public void Cancelling_the_referral_cancels_the_case_and_withdraws_only_its_open_onward_referrals(string reason, ReferralStatus expected)
    {
        var current = InStatus("in-progress");
        var lunchClubReferral = Guid.NewGuid();
        current = current.Then(CaseDecider.Decide(current, new ReferOn(lunchClubReferral, LunchClub, null, At)));
        current = current.Then(CaseDecider.Decide(current, new MirrorProgress(lunchClubReferral, OnwardReferralStep.Rejected, OnwardReferralStatus.Rejected, "at-capacity", At)));

        var events = CaseDecider.Decide(current, new CancelCase(reason, null, At));

        Assert.Equal(expected, Assert.IsType<CaseCancelled>(events[0]).Status);
        var withdrawn = Assert.IsType<CaseOnwardReferralWithdrawn>(Assert.Single(events.Skip(1)));
        Assert.Equal(WalkingGroupReferral, withdrawn.OnwardReferralId);
        Assert.Equal(WithdrawalReasons.ReferralCancelled, withdrawn.Reason);

        var cancelled = current.Then(events);
        Assert.Equal(expected, cancelled.Status);
        Assert.False(cancelled.IsActive);
        Assert.Empty(CaseDecider.Decide(cancelled, new CancelCase(reason, null, At))); // a second cancellation changes nothing
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("failed")]
    [InlineData("rejected")]
    [InlineData("cancelled")]
    public void A_finished_case_is_left_as_it_is_when_the_referral_is_cancelled(string status) =>
        Assert.Empty(CaseDecider.Decide(InStatus(status), new CancelCase("revoked", null, At)));

    [Fact]
    public void A_requested_case_is_cancelled_without_onward_referrals()
    {
        var events = CaseDecider.Decide(Opened(), new CancelCase("revoked", "Moved away", At));
        Assert.Equal(ReferralStatus.Cancelled, Assert.IsType<CaseCancelled>(Assert.Single(events)).Status);
    }

    [Fact]
    public void The_provider_s_reports_are_mirrored_and_only_move_forward()
    {
        var current = InStatus("accepted");
        var accepted = current.Then(CaseDecider.Decide(current, new MirrorProgress(WalkingGroupReferral, OnwardReferralStep.Accepted, OnwardReferralStatus.Accepted, null, At)));
        Assert.Equal(OnwardReferralStatus.Accepted, accepted.OnwardReferral(WalkingGroupReferral)!.Status);

        // The acknowledgement travelled on another queue and arrived after the acceptance: it changes nothing.
        Assert.Empty(CaseDecider.Decide(accepted, new MirrorAcknowledgement(WalkingGroupReferral, At)));
        Assert.Empty(CaseDecider.Decide(accepted, new MirrorProgress(WalkingGroupReferral, OnwardReferralStep.AttendanceRecorded, OnwardReferralStatus.Accepted, null, At)));

        var attending = accepted.Then(CaseDecider.Decide(accepted, new MirrorProgress(WalkingGroupReferral, OnwardReferralStep.AttendanceRecorded, OnwardReferralStatus.InProgress, null, At)));
        Assert.Equal(OnwardReferralStatus.InProgress, attending.OnwardReferral(WalkingGroupReferral)!.Status);
        Assert.True(attending.OnwardReferral(WalkingGroupReferral)!.IsOpen);
    }

    [Fact]
    public void An_acknowledgement_makes_the_onward_referral_received()
    {
        var current = InStatus("accepted");
        var received = current.Then(CaseDecider.Decide(current, new MirrorAcknowledgement(WalkingGroupReferral, At)));
        Assert.Equal(OnwardReferralStatus.Received, received.OnwardReferral(WalkingGroupReferral)!.Status);
    }

    [Fact]
    public void An_escalation_is_shown_on_the_onward_referral_and_a_reminder_changes_nothing()
    {
        var current = InStatus("accepted");
        Assert.Empty(CaseDecider.Decide(current, new MirrorProgress(WalkingGroupReferral, OnwardReferralStep.Reminded, OnwardReferralStatus.Requested, null, At)));

        var escalated = current.Then(CaseDecider.Decide(current, new MirrorProgress(WalkingGroupReferral, OnwardReferralStep.Escalated, OnwardReferralStatus.Requested, null, At)));
        var onward = escalated.OnwardReferral(WalkingGroupReferral)!;
        Assert.True(onward.Escalated);
        Assert.Equal(OnwardReferralStatus.Requested, onward.Status);
        Assert.Empty(CaseDecider.Decide(escalated, new MirrorProgress(WalkingGroupReferral, OnwardReferralStep.Escalated, OnwardReferralStatus.Requested, null, At)));
    }

    [Fact]
    public void The_provider_s_cancellation_after_a_withdrawal_changes_nothing()
    {
        var current = InStatus("accepted");
        var withdrawn = current.Then(CaseDecider.Decide(current, new WithdrawOnwardReferral(WalkingGroupReferral, null, At)));
        Assert.Empty(CaseDecider.Decide(withdrawn, new MirrorProgress(WalkingGroupReferral, OnwardReferralStep.Cancelled, OnwardReferralStatus.Cancelled, "withdrawn", At)));
    }

    [Fact]
    public void Reports_for_an_onward_referral_the_case_does_not_have_change_nothing()
    {
        var current = InStatus("accepted");
        Assert.Empty(CaseDecider.Decide(current, new MirrorAcknowledgement(Guid.NewGuid(), At)));
        Assert.Empty(CaseDecider.Decide(current, new MirrorProgress(Guid.NewGuid(), OnwardReferralStep.Escalated, OnwardReferralStatus.Requested, null, At)));
    }

    [Fact]
    public void The_network_hears_of_each_lifecycle_change_in_partner_words()
    {
        var map = new CaseEvents();
        var id = Guid.NewGuid();

        var rejected = Assert.IsType<Published.ReferralRejected>(map.ToIntegrationEvent(new Event<CaseRejected>(
            new CaseRejected(id, Service, RejectionReason.NotEligible, "Under 18", At))));
        Assert.Equal("not-eligible", rejected.Reason);

        var closed = Assert.IsType<Published.ReferralClosed>(map.ToIntegrationEvent(new Event<CaseClosed>(
            new CaseClosed(id, Service, ReferralStatus.Failed, CaseOutcome.Disengaged, "Stopped answering", At))));
        Assert.Equal(("disengaged", ReferralStatus.Failed), (closed.Outcome, closed.Status));

        Assert.IsType<Published.ReferralPutOnHold>(map.ToIntegrationEvent(new Event<CasePutOnHold>(new CasePutOnHold(id, Service, ReferralStatus.Accepted, null, At))));
        Assert.IsType<Published.ReferralResumed>(map.ToIntegrationEvent(new Event<CaseResumed>(new CaseResumed(id, Service, ReferralStatus.Accepted, At))));
        var withdrawn = Assert.IsType<Published.OnwardReferralWithdrawn>(map.ToIntegrationEvent(new Event<CaseOnwardReferralWithdrawn>(
            new CaseOnwardReferralWithdrawn(id, Service, WalkingGroupReferral, WalkingGroup.ProviderId, WithdrawalReasons.ReferralCancelled, null, At))));
        Assert.Equal((WalkingGroupReferral, WalkingGroup.ProviderId, "referral-cancelled"), (withdrawn.OnwardReferralId, withdrawn.ProviderId, withdrawn.Reason));

        // The referral service and the provider service told us these; they need not hear them back.
        Assert.Null(map.ToIntegrationEvent(new Event<CaseCancelled>(new CaseCancelled(id, Service, ReferralStatus.Cancelled, "revoked", null, At))));
        Assert.Null(map.ToIntegrationEvent(new Event<OnwardReferralEscalated>(new OnwardReferralEscalated(id, Service, WalkingGroupReferral, At))));
    }

    private static IReadOnlyList<object> Decide(Case current, string command) => command switch
    {
        "accept" => CaseDecider.Decide(current, new AcceptCase(Sam, At)),
        "reject" => CaseDecider.Decide(current, new RejectCase(RejectionReason.Duplicate, null, At)),
        "contact" => CaseDecider.Decide(current, new RecordContact("reached", At, At)),
        "hold" => CaseDecider.Decide(current, new PutCaseOnHold(null, At)),
        "resume" => CaseDecider.Decide(current, new ResumeCase(At)),
        "close" => CaseDecider.Decide(current, new CloseCase(CaseOutcome.GoalsMet, "Joined the walking group.", At)),
        "refer-on" => CaseDecider.Decide(current, new ReferOn(Guid.NewGuid(), LunchClub, null, At)),
        "withdraw" => CaseDecider.Decide(current, new WithdrawOnwardReferral(WalkingGroupReferral, null, At)),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, null),
    };

    private static Case Opened() => Case.Create(new CaseOpened(
        Guid.NewGuid(), Service, "LN Link Workers", Pathway.Gp, "liverpool-north", Guid.NewGuid(), "Riverside Surgery", ["loneliness"],
        Urgency.Routine, null,
        new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), "9434765919", "L1 8JQ", "07700900123", null, "phone", "en", null),
        At));

    /// <summary>A case in <paramref name="status"/>; from acceptance on it holds an open onward referral to the walking group.</summary>
    private static Case InStatus(string status)
    {
        var requested = Opened();
        if (status == "requested")
        {
            return requested;
        }

        if (status == "rejected")
        {
            return requested.Then(CaseDecider.Decide(requested, new RejectCase(RejectionReason.NotEligible, null, At)));
        }

        var accepted = requested.Then(CaseDecider.Decide(requested, new AcceptCase(Sam, At)));
        accepted = accepted.Then(CaseDecider.Decide(accepted, new ReferOn(WalkingGroupReferral, WalkingGroup, null, At)));
        var inProgress = accepted.Then(CaseDecider.Decide(accepted, new RecordContact("reached", At, At)));
        return status switch
        {
            "accepted" => accepted,
            "in-progress" => inProgress,
            "on-hold" => inProgress.Then(CaseDecider.Decide(inProgress, new PutCaseOnHold(null, At))),
            "completed" => inProgress.Then(CaseDecider.Decide(inProgress, new CloseCase(CaseOutcome.GoalsMet, "Goals met.", At))),
            "failed" => inProgress.Then(CaseDecider.Decide(inProgress, new CloseCase(CaseOutcome.Disengaged, "Stopped answering.", At))),
            "cancelled" => inProgress.Then(CaseDecider.Decide(inProgress, new CancelCase("revoked", null, At))),
            _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
        };
    }
}
