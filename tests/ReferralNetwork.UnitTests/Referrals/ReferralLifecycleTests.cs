using System.Text.Json;
using NSubstitute;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.Referrals.Referrals.Read;
using ReferralNetwork.Referrals.Referrals.Submit;
using ReferralNetwork.UnitTests.EventSourcing;

namespace ReferralNetwork.UnitTests.Referrals;

/// <summary>The referral's whole lifecycle as the referral service mirrors it, decided by pure functions.</summary>
public class ReferralLifecycleTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Gp = Guid.NewGuid();
    private static readonly Actor ByGp = new(Gp, OrganisationKind.GpPractice);
    private static readonly Guid LinkWorkerService = Guid.NewGuid();
    private static readonly Actor ByLinkWorkerService = new(LinkWorkerService, OrganisationKind.LinkWorkerService);
    private static readonly Guid Provider = Guid.NewGuid();
    private static readonly Actor ByProvider = new(Provider, OrganisationKind.CommunityProvider);
    private static readonly Actor ByStranger = new(Guid.NewGuid(), OrganisationKind.CommunityProvider);
    private static readonly Guid OnwardId = Guid.NewGuid();

    // ---- building states through the deciders themselves ----

    private static Referral Requested(ShareWithReferrer share = ShareWithReferrer.Full) => Evolution.Start<Referral>(new ReferralRequested(
        Guid.NewGuid(), Pathway.Gp, "liverpool-north", ByGp, "Riverside Surgery", ["loneliness", "physical-activity"],
        Urgency.Routine, null, new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), null, null, null, null, null, null, null),
        new Consent(true, At, share), At));

    private static Referral Then(Referral r, Func<Referral, IReadOnlyList<object>> decide) => r.Then(decide(r));

    private static Referral Routed(ShareWithReferrer share = ShareWithReferrer.Full) =>
        Then(Requested(share), r => ReferralDecider.Decide(r, new AssignLinkWorkerService(LinkWorkerService, "LN Link Workers", At)));

    private static Referral Accepted(ShareWithReferrer share = ShareWithReferrer.Full) =>
        Then(Routed(share), r => ReferralDecider.Decide(r, new AssignLinkWorker(ByLinkWorkerService, Guid.NewGuid(), "Sam", At)));

    private static Referral InProgress(ShareWithReferrer share = ShareWithReferrer.Full) =>
        Then(Accepted(share), r => ReferralDecider.Decide(r, new RecordContact(ByLinkWorkerService, ContactOutcomes.Reached, At, At)));

    private static Referral OnHold() => Then(InProgress(), r => ReferralDecider.Decide(r, new PutReferralOnHold(ByLinkWorkerService, "in hospital", At)));

    private static Referral Rejected() => Then(Routed(), r => ReferralDecider.Decide(r, new RejectReferral(ByLinkWorkerService, "out-of-area", null, At)));

    private static Referral Closed(ReferralStatus status, string outcome = "goals-met") =>
        Then(InProgress(), r => ReferralDecider.Decide(r, new CloseReferral(ByLinkWorkerService, status, outcome, "Walking weekly.", At)));

    private static Referral Cancelled(CancellationReason reason = CancellationReason.Revoked) =>
        Then(Accepted(), r => ReferralDecider.Decide(r, new CancelReferral(ByGp, reason, null, At)));

    private static Referral In(ReferralStatus status) => status switch
    {
        ReferralStatus.Requested => Routed(),
        ReferralStatus.Accepted => Accepted(),
        ReferralStatus.InProgress => InProgress(),
        ReferralStatus.OnHold => OnHold(),
        ReferralStatus.Rejected => Rejected(),
        ReferralStatus.Completed => Closed(ReferralStatus.Completed),
        ReferralStatus.Failed => Closed(ReferralStatus.Failed, "disengaged"),
        ReferralStatus.Cancelled => Cancelled(),
        ReferralStatus.EnteredInError => Cancelled(CancellationReason.EnteredInError),
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    private static Referral WithOnward(Referral? referral = null) =>
        Then(referral ?? InProgress(), r => ReferralDecider.Decide(r, new AddOnwardReferral(ByLinkWorkerService, OnwardId, Guid.NewGuid(), "Walking group", Provider, "Green Steps", At)));

    private static Referral Onward(OnwardReferralStatus status) => status switch
    {
        OnwardReferralStatus.Requested => WithOnward(),
        OnwardReferralStatus.Received => Then(WithOnward(), r => ReferralDecider.Decide(r, new MarkOnwardReferralReceived(ByProvider, OnwardId, At))),
        OnwardReferralStatus.Accepted => Then(Onward(OnwardReferralStatus.Received), r => ReferralDecider.Decide(r, new AcceptOnwardReferral(ByProvider, OnwardId, At))),
        OnwardReferralStatus.Rejected => Then(Onward(OnwardReferralStatus.Received), r => ReferralDecider.Decide(r, new RejectOnwardReferral(ByProvider, OnwardId, "at-capacity", null, At))),
        OnwardReferralStatus.InProgress => Then(Onward(OnwardReferralStatus.Accepted), r => ReferralDecider.Decide(r, new RecordAttendance(ByProvider, OnwardId, new DateOnly(2026, 12, 1), true, At))),
        OnwardReferralStatus.Completed => Then(Onward(OnwardReferralStatus.InProgress), r => ReferralDecider.Decide(r, new CompleteOnwardReferral(ByProvider, OnwardId, "Came every week.", At))),
        OnwardReferralStatus.Failed => Then(WithOnward(), r => ReferralDecider.Decide(r, new FailOnwardReferral(ByProvider, OnwardId, "no-response", At))),
        OnwardReferralStatus.Cancelled => Then(WithOnward(), r => ReferralDecider.Decide(r, new CancelOnwardReferral(ByLinkWorkerService, OnwardId, "withdrawn", At))),
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    private static OnwardReferral TheOnward(Referral r) => Assert.Single(r.OnwardReferrals);

    // ---- rejection ----

    [Fact]
    public void A_requested_referral_is_rejected_with_its_reason_once()
    {
        var rejected = Rejected();
        Assert.Equal(ReferralStatus.Rejected, rejected.Status);
        Assert.Equal("out-of-area", rejected.StatusReason);
        Assert.Empty(ReferralDecider.Decide(rejected, new RejectReferral(ByLinkWorkerService, "out-of-area", null, At)));
    }

    [Theory]
    [InlineData(ReferralStatus.Accepted)]
    [InlineData(ReferralStatus.InProgress)]
    [InlineData(ReferralStatus.OnHold)]
    [InlineData(ReferralStatus.Completed)]
    [InlineData(ReferralStatus.Failed)]
    public void Rejection_after_acceptance_is_refused(ReferralStatus status) =>
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(In(status), new RejectReferral(ByLinkWorkerService, "other", null, At)));

    [Fact]
    public void Rejection_by_another_service_is_refused_and_before_routing_waits()
    {
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(Routed(), new RejectReferral(new Actor(Guid.NewGuid(), OrganisationKind.LinkWorkerService), "other", null, At)));
        Assert.Throws<ReportedOutOfOrder>(() => ReferralDecider.Decide(Requested(), new RejectReferral(ByLinkWorkerService, "other", null, At)));
    }

    // ---- hold and resume ----

    [Theory]
    [InlineData(ReferralStatus.Accepted)]
    [InlineData(ReferralStatus.InProgress)]
    public void A_hold_resumes_to_the_status_before_it(ReferralStatus before)
    {
        var held = Then(In(before), r => ReferralDecider.Decide(r, new PutReferralOnHold(ByLinkWorkerService, null, At)));
        Assert.Equal(ReferralStatus.OnHold, held.Status);
        Assert.Empty(ReferralDecider.Decide(held, new PutReferralOnHold(ByLinkWorkerService, null, At)));

        var resumed = Then(held, r => ReferralDecider.Decide(r, new ResumeReferral(ByLinkWorkerService, At)));
        Assert.Equal(before, resumed.Status);
        Assert.Null(resumed.StatusBeforeHold);
        Assert.Empty(ReferralDecider.Decide(resumed, new ResumeReferral(ByLinkWorkerService, At)));
    }

    [Fact]
    public void A_resume_that_overtook_its_hold_waits_for_it_and_a_hold_from_before_the_last_resume_is_over()
    {
        var heldAt = At.AddMinutes(1);
        var resumedAt = At.AddMinutes(2);
        Assert.Throws<ReportedOutOfOrder>(() => ReferralDecider.Decide(InProgress(), new ResumeReferral(ByLinkWorkerService, resumedAt)));

        var held = Then(InProgress(), r => ReferralDecider.Decide(r, new PutReferralOnHold(ByLinkWorkerService, null, heldAt)));
        var resumed = Then(held, r => ReferralDecider.Decide(r, new ResumeReferral(ByLinkWorkerService, resumedAt)));
        Assert.Equal(ReferralStatus.InProgress, resumed.Status);
        Assert.Empty(ReferralDecider.Decide(resumed, new PutReferralOnHold(ByLinkWorkerService, null, heldAt)));
        Assert.Empty(ReferralDecider.Decide(resumed, new ResumeReferral(ByLinkWorkerService, resumedAt)));

        // A new hold after the resume is a hold again.
        Assert.Equal(ReferralStatus.OnHold, Then(resumed, r => ReferralDecider.Decide(r, new PutReferralOnHold(ByLinkWorkerService, null, resumedAt.AddMinutes(1)))).Status);
    }

    [Fact]
    public void Reaching_the_person_during_a_hold_resumes_to_in_progress()
    {
        var held = Then(Accepted(), r => ReferralDecider.Decide(r, new PutReferralOnHold(ByLinkWorkerService, null, At)));
        var reached = Then(held, r => ReferralDecider.Decide(r, new RecordContact(ByLinkWorkerService, ContactOutcomes.Reached, At, At)));
        Assert.Equal(ReferralStatus.OnHold, reached.Status);
        Assert.Equal(ReferralStatus.InProgress, Then(reached, r => ReferralDecider.Decide(r, new ResumeReferral(ByLinkWorkerService, At))).Status);
    }

    [Fact]
    public void A_rejected_referral_is_neither_held_nor_resumed()
    {
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(Rejected(), new PutReferralOnHold(ByLinkWorkerService, null, At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(Rejected(), new ResumeReferral(ByLinkWorkerService, At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(Rejected(), new RecordContact(ByLinkWorkerService, ContactOutcomes.Reached, At, At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(Rejected(), new AddOnwardReferral(ByLinkWorkerService, OnwardId, Guid.NewGuid(), "Walking group", Provider, "Green Steps", At)));
    }

    /// <summary>
    /// A step that came before the acceptance waits on the broker, and the close can overtake it (the fault suite saw a
    /// contact refused on a completed referral): what happened is still recorded, and the close stands.
    /// </summary>
    [Theory]
    [InlineData(ReferralStatus.Completed)]
    [InlineData(ReferralStatus.Failed)]
    public void Steps_overtaken_by_the_close_are_recorded_or_dropped_and_the_close_stands(ReferralStatus status)
    {
        var closed = In(status);
        Assert.Empty(ReferralDecider.Decide(closed, new PutReferralOnHold(ByLinkWorkerService, null, At)));
        Assert.Empty(ReferralDecider.Decide(closed, new ResumeReferral(ByLinkWorkerService, At)));

        var contact = new RecordContact(ByLinkWorkerService, ContactOutcomes.Reached, At, At);
        Assert.IsType<ContactAttemptRecorded>(Assert.Single(ReferralDecider.Decide(closed, contact)));
        var contacted = Then(closed, r => ReferralDecider.Decide(r, contact));
        Assert.Equal(status, contacted.Status);
        Assert.Equal(closed.Outcome, contacted.Outcome);

        var referredOn = Then(closed, r => ReferralDecider.Decide(r, new AddOnwardReferral(ByLinkWorkerService, OnwardId, Guid.NewGuid(), "Walking group", Provider, "Green Steps", At)));
        Assert.Equal(status, referredOn.Status);
        Assert.Equal(OnwardReferralStatus.Requested, referredOn.FindOnwardReferral(OnwardId)!.Status);
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(closed, new RecordContact(ByStranger, ContactOutcomes.Reached, At, At)));
    }

    [Fact]
    public void A_hold_before_acceptance_waits_and_a_resume_of_a_requested_referral_is_refused()
    {
        Assert.Throws<ReportedOutOfOrder>(() => ReferralDecider.Decide(Routed(), new PutReferralOnHold(ByLinkWorkerService, null, At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(Routed(), new ResumeReferral(ByLinkWorkerService, At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(InProgress(), new PutReferralOnHold(new Actor(Guid.NewGuid(), OrganisationKind.LinkWorkerService), null, At)));
    }

    // ---- close ----

    [Theory]
    [InlineData(ReferralStatus.Accepted, ReferralStatus.Completed)]
    [InlineData(ReferralStatus.InProgress, ReferralStatus.Completed)]
    [InlineData(ReferralStatus.OnHold, ReferralStatus.Completed)]
    [InlineData(ReferralStatus.Accepted, ReferralStatus.Failed)]
    [InlineData(ReferralStatus.InProgress, ReferralStatus.Failed)]
    [InlineData(ReferralStatus.OnHold, ReferralStatus.Failed)]
    public void An_open_referral_closes_as_completed_or_failed_with_its_outcome(ReferralStatus from, ReferralStatus closedAs)
    {
        var closed = Then(In(from), r => ReferralDecider.Decide(r, new CloseReferral(ByLinkWorkerService, closedAs, "partially-met", "Some progress.", At)));
        Assert.Equal(closedAs, closed.Status);
        Assert.Equal("partially-met", closed.StatusReason);
        Assert.Equal("Some progress.", closed.Summary);
        Assert.Empty(ReferralDecider.Decide(closed, new CloseReferral(ByLinkWorkerService, closedAs, "partially-met", "Some progress.", At)));
    }

    [Fact]
    public void A_closed_referral_is_not_closed_again_differently_and_closes_only_as_completed_or_failed()
    {
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(Closed(ReferralStatus.Completed), new CloseReferral(ByLinkWorkerService, ReferralStatus.Failed, "disengaged", "", At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(InProgress(), new CloseReferral(ByLinkWorkerService, ReferralStatus.Cancelled, "other", "", At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(Rejected(), new CloseReferral(ByLinkWorkerService, ReferralStatus.Completed, "other", "", At)));
        Assert.Throws<ReportedOutOfOrder>(() => ReferralDecider.Decide(Routed(), new CloseReferral(ByLinkWorkerService, ReferralStatus.Completed, "other", "", At)));
    }

    // ---- cancel by the referrer ----

    [Theory]
    [InlineData(ReferralStatus.Requested, CancellationReason.Revoked, ReferralStatus.Cancelled)]
    [InlineData(ReferralStatus.Accepted, CancellationReason.Revoked, ReferralStatus.Cancelled)]
    [InlineData(ReferralStatus.InProgress, CancellationReason.Revoked, ReferralStatus.Cancelled)]
    [InlineData(ReferralStatus.OnHold, CancellationReason.Revoked, ReferralStatus.Cancelled)]
    [InlineData(ReferralStatus.Requested, CancellationReason.EnteredInError, ReferralStatus.EnteredInError)]
    [InlineData(ReferralStatus.InProgress, CancellationReason.EnteredInError, ReferralStatus.EnteredInError)]
    public void The_referrer_cancels_an_unfinished_referral(ReferralStatus from, CancellationReason reason, ReferralStatus becomes)
    {
        var cancelled = Then(In(from), r => ReferralDecider.Decide(r, new CancelReferral(ByGp, reason, "moved away", At)));
        Assert.Equal(becomes, cancelled.Status);
        Assert.Equal(reason.ToWire(), cancelled.StatusReason);
    }

    [Theory]
    [InlineData(ReferralStatus.Completed)]
    [InlineData(ReferralStatus.Failed)]
    [InlineData(ReferralStatus.Rejected)]
    [InlineData(ReferralStatus.Cancelled)]
    [InlineData(ReferralStatus.EnteredInError)]
    public void A_finished_referral_cannot_be_cancelled(ReferralStatus status) =>
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(In(status), new CancelReferral(ByGp, CancellationReason.Revoked, null, At)));

    [Fact]
    public void Only_the_referrer_cancels() =>
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(InProgress(), new CancelReferral(ByLinkWorkerService, CancellationReason.Revoked, null, At)));

    [Fact]
    public void Link_worker_reports_on_a_cancelled_referral_are_dropped_since_the_cancellation_is_final()
    {
        var cancelled = Cancelled();
        Assert.Empty(ReferralDecider.Decide(cancelled, new AssignLinkWorker(ByLinkWorkerService, Guid.NewGuid(), "Kim", At)));
        Assert.Empty(ReferralDecider.Decide(cancelled, new RecordContact(ByLinkWorkerService, ContactOutcomes.Reached, At, At)));
        Assert.Empty(ReferralDecider.Decide(cancelled, new RejectReferral(ByLinkWorkerService, "other", null, At)));
        Assert.Empty(ReferralDecider.Decide(cancelled, new PutReferralOnHold(ByLinkWorkerService, null, At)));
        Assert.Empty(ReferralDecider.Decide(cancelled, new ResumeReferral(ByLinkWorkerService, At)));
        Assert.Empty(ReferralDecider.Decide(cancelled, new CloseReferral(ByLinkWorkerService, ReferralStatus.Completed, "goals-met", "", At)));
        Assert.Equal(ReferralStatus.Cancelled, cancelled.Status);

        // An onward referral made as the referrer cancelled is still recorded, so its cancellation lands.
        var crossed = WithOnward(cancelled);
        var withdrawn = Then(crossed, r => ReferralDecider.Decide(r, new CancelOnwardReferral(ByLinkWorkerService, OnwardId, "referral-cancelled", At)));
        Assert.Equal(OnwardReferralStatus.Cancelled, TheOnward(withdrawn).Status);
        Assert.Equal("referral-cancelled", TheOnward(withdrawn).StatusReason);
    }

    // ---- onward referral steps ----

    [Theory]
    [InlineData(OnwardReferralStatus.Requested)]
    [InlineData(OnwardReferralStatus.Received)]
    public void The_provider_accepts_or_rejects_an_onward_referral_it_has_not_answered(OnwardReferralStatus from)
    {
        var accepted = Then(Onward(from), r => ReferralDecider.Decide(r, new AcceptOnwardReferral(ByProvider, OnwardId, At)));
        Assert.Equal(OnwardReferralStatus.Accepted, TheOnward(accepted).Status);
        Assert.Empty(ReferralDecider.Decide(accepted, new AcceptOnwardReferral(ByProvider, OnwardId, At)));

        var rejected = Then(Onward(from), r => ReferralDecider.Decide(r, new RejectOnwardReferral(ByProvider, OnwardId, "at-capacity", "Full until spring", At)));
        Assert.Equal(OnwardReferralStatus.Rejected, TheOnward(rejected).Status);
        Assert.Equal("at-capacity", TheOnward(rejected).StatusReason);
        Assert.Empty(ReferralDecider.Decide(rejected, new RejectOnwardReferral(ByProvider, OnwardId, "at-capacity", null, At)));
    }

    [Fact]
    public void A_rejected_onward_referral_is_not_accepted() =>
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(Onward(OnwardReferralStatus.Rejected), new AcceptOnwardReferral(ByProvider, OnwardId, At)));

    [Theory]
    [InlineData(OnwardReferralStatus.InProgress)]
    [InlineData(OnwardReferralStatus.Completed)]
    [InlineData(OnwardReferralStatus.Failed)]
    public void An_acceptance_overtaken_by_the_providers_later_steps_changes_nothing_and_a_rejection_is_refused(OnwardReferralStatus from)
    {
        // The acceptance waited on the broker while the steps after it were recorded.
        Assert.Empty(ReferralDecider.Decide(Onward(from), new AcceptOnwardReferral(ByProvider, OnwardId, At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(Onward(from), new RejectOnwardReferral(ByProvider, OnwardId, "other", null, At)));
    }

    [Theory]
    [InlineData(OnwardReferralStatus.Accepted)]
    [InlineData(OnwardReferralStatus.Rejected)]
    [InlineData(OnwardReferralStatus.Completed)]
    [InlineData(OnwardReferralStatus.Cancelled)]
    public void An_acknowledgement_overtaken_by_the_providers_answer_changes_nothing(OnwardReferralStatus from) =>
        Assert.Empty(ReferralDecider.Decide(Onward(from), new MarkOnwardReferralReceived(ByProvider, OnwardId, At)));

    [Fact]
    public void The_first_attendance_starts_the_activity_and_each_attendance_is_recorded_once()
    {
        var accepted = Onward(OnwardReferralStatus.Accepted);
        var missed = Then(accepted, r => ReferralDecider.Decide(r, new RecordAttendance(ByProvider, OnwardId, new DateOnly(2026, 12, 1), false, At)));
        Assert.Equal(OnwardReferralStatus.Accepted, TheOnward(missed).Status);

        var attended = Then(missed, r => ReferralDecider.Decide(r, new RecordAttendance(ByProvider, OnwardId, new DateOnly(2026, 12, 8), true, At)));
        Assert.Equal(OnwardReferralStatus.InProgress, TheOnward(attended).Status);
        Assert.Equal(2, TheOnward(attended).Attendances.Count);
        Assert.Empty(ReferralDecider.Decide(attended, new RecordAttendance(ByProvider, OnwardId, new DateOnly(2026, 12, 8), true, At)));

        var again = Then(attended, r => ReferralDecider.Decide(r, new RecordAttendance(ByProvider, OnwardId, new DateOnly(2026, 12, 15), true, At)));
        Assert.Equal(OnwardReferralStatus.InProgress, TheOnward(again).Status);
    }

    [Fact]
    public void An_acknowledgement_overtaken_by_the_acceptance_is_still_recorded_once_and_the_acceptance_stands()
    {
        var acceptedFirst = Then(Onward(OnwardReferralStatus.Requested), r => ReferralDecider.Decide(r, new AcceptOnwardReferral(ByProvider, OnwardId, At)));

        var late = ReferralDecider.Decide(acceptedFirst, new MarkOnwardReferralReceived(ByProvider, OnwardId, At));

        Assert.IsType<OnwardReferralReceived>(Assert.Single(late));
        var acknowledged = acceptedFirst.Then(late);
        Assert.Equal(OnwardReferralStatus.Accepted, TheOnward(acknowledged).Status);
        Assert.Empty(ReferralDecider.Decide(acknowledged, new MarkOnwardReferralReceived(ByProvider, OnwardId, At)));
    }

    [Fact]
    public void An_acceptance_overtaken_by_the_failure_is_still_recorded_once_and_the_failure_stands()
    {
        var failedFirst = Then(Onward(OnwardReferralStatus.Received), r => ReferralDecider.Decide(r, new FailOnwardReferral(ByProvider, OnwardId, "stopped-attending", At)));

        var late = ReferralDecider.Decide(failedFirst, new AcceptOnwardReferral(ByProvider, OnwardId, At));

        Assert.IsType<OnwardReferralAccepted>(Assert.Single(late));
        var accepted = failedFirst.Then(late);
        Assert.Equal(OnwardReferralStatus.Failed, TheOnward(accepted).Status);
        Assert.True(TheOnward(accepted).TakenOn);
        Assert.Empty(ReferralDecider.Decide(accepted, new AcceptOnwardReferral(ByProvider, OnwardId, At)));
    }

    [Theory]
    [InlineData(OnwardReferralStatus.Requested)]
    [InlineData(OnwardReferralStatus.Received)]
    public void Attendance_before_the_providers_acceptance_waits_for_it(OnwardReferralStatus from) =>
        Assert.Throws<ReportedOutOfOrder>(() => ReferralDecider.Decide(Onward(from), new RecordAttendance(ByProvider, OnwardId, new DateOnly(2026, 12, 22), true, At)));

    [Fact]
    public void Attendance_on_a_rejected_onward_referral_is_refused() =>
        Assert.Throws<RuleViolation>(() =>
            ReferralDecider.Decide(Onward(OnwardReferralStatus.Rejected), new RecordAttendance(ByProvider, OnwardId, new DateOnly(2026, 12, 22), true, At)));

    [Theory]
    [InlineData(OnwardReferralStatus.Completed)]
    [InlineData(OnwardReferralStatus.Failed)]
    public void Attendance_overtaken_by_the_finish_is_recorded_and_the_finish_stands(OnwardReferralStatus from)
    {
        var late = Then(Onward(from), r => ReferralDecider.Decide(r, new RecordAttendance(ByProvider, OnwardId, new DateOnly(2026, 12, 22), true, At)));
        Assert.Equal(from, TheOnward(late).Status);
        Assert.Contains(new Attendance(new DateOnly(2026, 12, 22), true), TheOnward(late).Attendances);
    }

    [Theory]
    [InlineData(OnwardReferralStatus.Accepted)]
    [InlineData(OnwardReferralStatus.InProgress)]
    public void An_accepted_or_started_onward_referral_completes_or_fails(OnwardReferralStatus from)
    {
        var completed = Then(Onward(from), r => ReferralDecider.Decide(r, new CompleteOnwardReferral(ByProvider, OnwardId, "Came every week.", At)));
        Assert.Equal(OnwardReferralStatus.Completed, TheOnward(completed).Status);
        Assert.Empty(ReferralDecider.Decide(completed, new CompleteOnwardReferral(ByProvider, OnwardId, "Came every week.", At)));

        var failed = Then(Onward(from), r => ReferralDecider.Decide(r, new FailOnwardReferral(ByProvider, OnwardId, "stopped-attending", At)));
        Assert.Equal(OnwardReferralStatus.Failed, TheOnward(failed).Status);
        Assert.Equal("stopped-attending", TheOnward(failed).StatusReason);
        Assert.Empty(ReferralDecider.Decide(failed, new FailOnwardReferral(ByProvider, OnwardId, "stopped-attending", At)));
    }

    [Theory]
    [InlineData(OnwardReferralStatus.Requested)]
    [InlineData(OnwardReferralStatus.Received)]
    public void A_completion_before_the_providers_acceptance_waits_for_it(OnwardReferralStatus from) =>
        Assert.Throws<ReportedOutOfOrder>(() => ReferralDecider.Decide(Onward(from), new CompleteOnwardReferral(ByProvider, OnwardId, null, At)));

    [Theory]
    [InlineData(OnwardReferralStatus.Rejected)]
    [InlineData(OnwardReferralStatus.Failed)]
    public void A_rejected_or_failed_onward_referral_does_not_complete(OnwardReferralStatus from) =>
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(Onward(from), new CompleteOnwardReferral(ByProvider, OnwardId, null, At)));

    [Theory]
    [InlineData(OnwardReferralStatus.Rejected)]
    [InlineData(OnwardReferralStatus.Completed)]
    public void A_finished_onward_referral_does_not_fail(OnwardReferralStatus from) =>
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(Onward(from), new FailOnwardReferral(ByProvider, OnwardId, "other", At)));

    [Fact]
    public void An_unacknowledged_onward_referral_is_reminded_escalated_then_fails_with_no_response()
    {
        var reminded = Then(WithOnward(), r => ReferralDecider.Decide(r, new RemindAboutOnwardReferral(ByProvider, OnwardId, At)));
        Assert.Equal(OnwardReferralStatus.Requested, TheOnward(reminded).Status);
        Assert.NotNull(TheOnward(reminded).RemindedAt);
        Assert.Empty(ReferralDecider.Decide(reminded, new RemindAboutOnwardReferral(ByProvider, OnwardId, At)));

        var escalated = Then(reminded, r => ReferralDecider.Decide(r, new EscalateOnwardReferral(ByProvider, OnwardId, At)));
        Assert.Equal(OnwardReferralStatus.Requested, TheOnward(escalated).Status);
        Assert.NotNull(TheOnward(escalated).EscalatedAt);
        Assert.Empty(ReferralDecider.Decide(escalated, new EscalateOnwardReferral(ByProvider, OnwardId, At)));

        var expired = Then(escalated, r => ReferralDecider.Decide(r, new FailOnwardReferral(ByProvider, OnwardId, "no-response", At)));
        Assert.Equal(OnwardReferralStatus.Failed, TheOnward(expired).Status);
        Assert.Equal("no-response", TheOnward(expired).StatusReason);
    }

    [Theory]
    [InlineData(OnwardReferralStatus.Received)]
    [InlineData(OnwardReferralStatus.Accepted)]
    [InlineData(OnwardReferralStatus.Completed)]
    public void A_reminder_or_escalation_overtaken_by_the_providers_answer_changes_nothing(OnwardReferralStatus from)
    {
        Assert.Empty(ReferralDecider.Decide(Onward(from), new RemindAboutOnwardReferral(ByProvider, OnwardId, At)));
        Assert.Empty(ReferralDecider.Decide(Onward(from), new EscalateOnwardReferral(ByProvider, OnwardId, At)));
    }

    [Theory]
    [InlineData(OnwardReferralStatus.Requested)]
    [InlineData(OnwardReferralStatus.Received)]
    [InlineData(OnwardReferralStatus.Accepted)]
    [InlineData(OnwardReferralStatus.InProgress)]
    public void An_open_onward_referral_is_cancelled_by_the_link_worker_service_or_the_provider(OnwardReferralStatus from)
    {
        var withdrawn = Then(Onward(from), r => ReferralDecider.Decide(r, new CancelOnwardReferral(ByLinkWorkerService, OnwardId, "withdrawn", At)));
        Assert.Equal(OnwardReferralStatus.Cancelled, TheOnward(withdrawn).Status);
        Assert.Equal("withdrawn", TheOnward(withdrawn).StatusReason);
        // The provider's confirmation (or a redelivery) adds nothing.
        Assert.Empty(ReferralDecider.Decide(withdrawn, new CancelOnwardReferral(ByProvider, OnwardId, "withdrawn", At)));

        var byProvider = Then(Onward(from), r => ReferralDecider.Decide(r, new CancelOnwardReferral(ByProvider, OnwardId, "referral-cancelled", At)));
        Assert.Equal(OnwardReferralStatus.Cancelled, TheOnward(byProvider).Status);
    }

    [Theory]
    [InlineData(OnwardReferralStatus.Rejected)]
    [InlineData(OnwardReferralStatus.Completed)]
    [InlineData(OnwardReferralStatus.Failed)]
    public void A_finished_onward_referral_keeps_its_result_when_a_withdrawal_crosses_it(OnwardReferralStatus from) =>
        Assert.Empty(ReferralDecider.Decide(Onward(from), new CancelOnwardReferral(ByLinkWorkerService, OnwardId, "withdrawn", At)));

    [Fact]
    public void Provider_steps_that_cross_a_cancellation_are_dropped()
    {
        var cancelled = Onward(OnwardReferralStatus.Cancelled);
        Assert.Empty(ReferralDecider.Decide(cancelled, new MarkOnwardReferralReceived(ByProvider, OnwardId, At)));
        Assert.Empty(ReferralDecider.Decide(cancelled, new AcceptOnwardReferral(ByProvider, OnwardId, At)));
        Assert.Empty(ReferralDecider.Decide(cancelled, new RejectOnwardReferral(ByProvider, OnwardId, "at-capacity", null, At)));
        Assert.Empty(ReferralDecider.Decide(cancelled, new RecordAttendance(ByProvider, OnwardId, new DateOnly(2026, 12, 1), true, At)));
        Assert.Empty(ReferralDecider.Decide(cancelled, new CompleteOnwardReferral(ByProvider, OnwardId, null, At)));
        Assert.Empty(ReferralDecider.Decide(cancelled, new FailOnwardReferral(ByProvider, OnwardId, "no-response", At)));
        Assert.Empty(ReferralDecider.Decide(cancelled, new RemindAboutOnwardReferral(ByProvider, OnwardId, At)));
        Assert.Empty(ReferralDecider.Decide(cancelled, new EscalateOnwardReferral(ByProvider, OnwardId, At)));
    }

    [Fact]
    public void Onward_steps_come_only_from_the_provider_holding_it_and_wait_for_the_onward_referral()
    {
        var onward = Onward(OnwardReferralStatus.Received);
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(onward, new AcceptOnwardReferral(ByStranger, OnwardId, At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(onward, new RejectOnwardReferral(ByStranger, OnwardId, "other", null, At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(onward, new RecordAttendance(ByStranger, OnwardId, new DateOnly(2026, 12, 1), true, At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(onward, new CompleteOnwardReferral(ByStranger, OnwardId, null, At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(onward, new FailOnwardReferral(ByStranger, OnwardId, "other", At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(onward, new RemindAboutOnwardReferral(ByStranger, OnwardId, At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(onward, new EscalateOnwardReferral(ByStranger, OnwardId, At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(onward, new CancelOnwardReferral(ByStranger, OnwardId, "withdrawn", At)));

        var unknown = Guid.NewGuid();
        Assert.Throws<ReportedOutOfOrder>(() => ReferralDecider.Decide(onward, new AcceptOnwardReferral(ByProvider, unknown, At)));
        Assert.Throws<ReportedOutOfOrder>(() => ReferralDecider.Decide(onward, new CancelOnwardReferral(ByLinkWorkerService, unknown, "withdrawn", At)));
    }

    // ---- measures and messages ----

    [Fact]
    public void A_measure_is_recorded_once_by_the_link_worker_service_and_waits_for_routing()
    {
        var outcomeId = Guid.NewGuid();
        var scores = new Dictionary<string, decimal> { ["raw"] = 21, ["metric"] = 19.25m };
        var measured = Then(InProgress(), r => ReferralDecider.Decide(r, new RecordMeasure(outcomeId, "swemwbs", "baseline", scores, At)));
        var measure = Assert.Single(measured.Measures);
        Assert.Equal(19.25m, measure.Scores["metric"]);
        Assert.Empty(ReferralDecider.Decide(measured, new RecordMeasure(outcomeId, "swemwbs", "baseline", scores, At)));
        Assert.Equal(LinkWorkerService, Assert.IsType<MeasureRecorded>(Assert.Single(ReferralDecider.Decide(InProgress(), new RecordMeasure(outcomeId, "swemwbs", "baseline", scores, At)))).By.OrganisationId);
        Assert.Throws<ReportedOutOfOrder>(() => ReferralDecider.Decide(Requested(), new RecordMeasure(outcomeId, "swemwbs", "baseline", scores, At)));
    }

    [Fact]
    public void A_message_moves_the_version_on_and_reads_back_with_its_author()
    {
        var referral = InProgress();
        var messageId = Guid.NewGuid();
        var posted = ReferralDecider.Decide(referral, new PostMessage(ByProvider, "Green Steps", messageId, "Can she come on Tuesday?", At));
        var after = referral.Then(posted);
        Assert.Equal(referral.Version + 1, after.Version);
        var message = ReferralMessage.From(Assert.IsType<ReferralMessagePosted>(Assert.Single(posted)));
        Assert.Equal(new ReferralMessage(messageId, "Can she come on Tuesday?", At, new MessageAuthor(Provider, OrganisationKind.CommunityProvider, "Green Steps")), message);
    }

    [Fact]
    public void Providers_holding_an_onward_referral_may_message_but_are_not_parties_of_the_referral()
    {
        var referral = WithOnward();
        Assert.True(referral.IsProviderOf(Provider));
        Assert.False(referral.IsPartyOf(Provider));
        Assert.False(referral.IsProviderOf(ByStranger.OrganisationId));
    }

    [Theory]
    [InlineData(OnwardReferralStatus.Requested, true)]
    [InlineData(OnwardReferralStatus.Received, true)]
    [InlineData(OnwardReferralStatus.Accepted, true)]
    [InlineData(OnwardReferralStatus.InProgress, true)]
    [InlineData(OnwardReferralStatus.Completed, true)]
    [InlineData(OnwardReferralStatus.Rejected, false)]
    [InlineData(OnwardReferralStatus.Cancelled, false)]
    [InlineData(OnwardReferralStatus.Failed, false)]
    public void A_provider_keeps_access_while_its_onward_referral_is_open_or_was_taken_on(OnwardReferralStatus status, bool keeps)
    {
        Assert.Equal(keeps, Onward(status).IsProviderOf(Provider));
    }

    [Fact]
    public void A_provider_that_failed_the_work_after_accepting_it_keeps_access()
    {
        var failed = Then(Onward(OnwardReferralStatus.Accepted), r => ReferralDecider.Decide(r, new FailOnwardReferral(ByProvider, OnwardId, "stopped coming", At)));
        Assert.Equal(OnwardReferralStatus.Failed, TheOnward(failed).Status);
        Assert.True(failed.IsProviderOf(Provider));
    }

    [Fact]
    public void A_provider_with_another_open_onward_referral_on_the_referral_keeps_access_after_one_is_withdrawn()
    {
        var second = Guid.NewGuid();
        var both = Then(WithOnward(), r => ReferralDecider.Decide(r, new AddOnwardReferral(ByLinkWorkerService, second, Guid.NewGuid(), "Choir", Provider, "Green Steps", At)));
        var oneWithdrawn = Then(both, r => ReferralDecider.Decide(r, new CancelOnwardReferral(ByLinkWorkerService, OnwardId, "withdrawn", At)));
        Assert.True(oneWithdrawn.IsProviderOf(Provider));

        var bothWithdrawn = Then(oneWithdrawn, r => ReferralDecider.Decide(r, new CancelOnwardReferral(ByLinkWorkerService, second, "withdrawn", At)));
        Assert.False(bothWithdrawn.IsProviderOf(Provider));
    }

    // ---- message back ----

    [Fact]
    public void The_full_message_back_has_needs_support_offered_outcome_summary_measures_and_codes()
    {
        var referral = Then(Onward(OnwardReferralStatus.Rejected), r =>
            ReferralDecider.Decide(r, new RecordMeasure(Guid.NewGuid(), "wemwbs", "baseline", new Dictionary<string, decimal> { ["total"] = 47 }, At)));

        var back = MessageBack.Compose(referral, "goals-met", "Walking weekly.");
        Assert.Equal(["loneliness", "physical-activity"], back.Needs!);
        var support = Assert.Single(back.SupportOffered!);
        Assert.Equal(("Walking group", "Green Steps", OnwardReferralStatus.Rejected, "at-capacity"), (support.ServiceName, support.Provider.Name, support.Status, support.StatusReason));
        Assert.Equal("goals-met", back.Outcome);
        Assert.Equal("Walking weekly.", back.Summary);
        Assert.Equal(47, Assert.Single(back.Measures!).Scores["total"]);
        Assert.Equal([ClinicalCode.ReferralToSocialPrescribing], back.Codes);
    }

    [Fact]
    public void Codes_only_consent_reduces_the_message_back_to_the_codes()
    {
        var back = MessageBack.Compose(InProgress(ShareWithReferrer.CodesOnly), "declined", "Did not want to continue.");
        Assert.Null(back.Needs);
        Assert.Null(back.SupportOffered);
        Assert.Null(back.Outcome);
        Assert.Null(back.Summary);
        Assert.Null(back.Measures);
        Assert.Equal(["871731000000106", "871711000000103"], back.Codes.Select(c => c.Code));

        var json = JsonSerializer.Serialize(back, JsonOptions);
        Assert.Equal("""{"codes":[{"system":"http://snomed.info/sct","code":"871731000000106","display":"Referral to social prescribing service"},{"system":"http://snomed.info/sct","code":"871711000000103","display":"Social prescribing declined"}]}""", json);
    }

    [Theory]
    [InlineData(true, "goals-met", new[] { "871731000000106" })]
    [InlineData(false, "goals-met", new string[0])]
    [InlineData(true, "declined", new[] { "871731000000106", "871711000000103" })]
    [InlineData(false, "declined", new[] { "871711000000103" })]
    public void Referral_code_when_the_person_was_reached_and_declined_code_when_they_declined(bool reached, string outcome, string[] codes)
    {
        var accepted = Then(Accepted(), r => ReferralDecider.Decide(r, new RecordContact(ByLinkWorkerService, ContactOutcomes.NoAnswer, At, At)));
        var referral = reached ? Then(accepted, r => ReferralDecider.Decide(r, new RecordContact(ByLinkWorkerService, ContactOutcomes.Reached, At, At))) : accepted;
        Assert.Equal(codes, MessageBack.Compose(referral, outcome, "").Codes.Select(c => c.Code));
    }

    [Fact]
    public void Closing_carries_the_message_back_as_it_stood_at_the_close()
    {
        var closed = Assert.IsType<ReferralClosed>(Assert.Single(
            ReferralDecider.Decide(Onward(OnwardReferralStatus.Completed), new CloseReferral(ByLinkWorkerService, ReferralStatus.Completed, "goals-met", "Walking weekly.", At))));
        Assert.Equal("goals-met", closed.MessageBack.Outcome);
        Assert.Equal(OnwardReferralStatus.Completed, Assert.Single(closed.MessageBack.SupportOffered!).Status);
    }

    // ---- partner events ----

    [Fact]
    public void Every_lifecycle_event_has_its_partner_event_type()
    {
        var referral = InProgress();
        var back = MessageBack.Compose(referral, "goals-met", "s");
        var id = referral.Id;
        (object Event, string Type)[] expected =
        [
            (new ReferralRejected(id, ByLinkWorkerService, "out-of-area", null, At), "referral.rejected"),
            (new ReferralPutOnHold(id, ByLinkWorkerService, null, At), "referral.on-hold"),
            (new ReferralResumed(id, ByLinkWorkerService, ReferralStatus.InProgress, At), "referral.resumed"),
            (new ReferralClosed(id, ByLinkWorkerService, ReferralStatus.Completed, "goals-met", "s", back, At), "referral.completed"),
            (new ReferralClosed(id, ByLinkWorkerService, ReferralStatus.Failed, "disengaged", "s", back, At), "referral.failed"),
            (new ReferralCancelled(id, ByGp, CancellationReason.Revoked, null, At), "referral.cancelled"),
            (new ReferralCancelled(id, ByGp, CancellationReason.EnteredInError, null, At), "referral.cancelled"),
            (new ReferralMessagePosted(id, Guid.NewGuid(), ByGp, "Riverside Surgery", "Hello", At), "referral.message-posted"),
            (new MeasureRecorded(id, ByLinkWorkerService, Guid.NewGuid(), "wemwbs", "baseline", new Dictionary<string, decimal> { ["total"] = 47 }, At), "outcome.recorded"),
            (new OnwardReferralAccepted(id, ByProvider, OnwardId, At), "onward-referral.accepted"),
            (new OnwardReferralRejected(id, ByProvider, OnwardId, "at-capacity", null, At), "onward-referral.rejected"),
            (new OnwardAttendanceRecorded(id, ByProvider, OnwardId, new DateOnly(2026, 12, 1), true, At), "onward-referral.attendance-recorded"),
            (new OnwardReferralCompleted(id, ByProvider, OnwardId, null, At), "onward-referral.completed"),
            (new OnwardReferralFailed(id, ByProvider, OnwardId, "no-response", At), "onward-referral.failed"),
            (new OnwardReferralReminded(id, ByProvider, OnwardId, At), "onward-referral.reminder"),
            (new OnwardReferralEscalated(id, ByProvider, OnwardId, At), "onward-referral.escalated"),
            (new OnwardReferralCancelled(id, ByLinkWorkerService, OnwardId, Provider, "withdrawn", At), "onward-referral.cancelled"),
        ];

        foreach (var (e, type) in expected)
        {
            var partner = PartnerEvents.Describe(e);
            Assert.NotNull(partner);
            Assert.Equal(type, partner.Type);
            Assert.Equal(At, partner.At);
            if (type.StartsWith("onward-referral.", StringComparison.Ordinal))
            {
                // The provider holding it sees it, also when the link-worker service cancelled it.
                Assert.Equal((ExtraAudience.TheProvider, Provider), (partner.Audience, partner.Provider));
            }
            else
            {
                Assert.Equal(type == "referral.message-posted" ? ExtraAudience.EveryProvider : ExtraAudience.None, partner.Audience);
            }
        }
    }

    [Fact]
    public void The_completed_event_carries_the_message_back_and_codes_only_keeps_the_outcome_out_of_it()
    {
        var full = PartnerEvents.Describe(Assert.Single(
            ReferralDecider.Decide(InProgress(), new CloseReferral(ByLinkWorkerService, ReferralStatus.Completed, "goals-met", "Walking weekly.", At))))!;
        var fullJson = JsonSerializer.Serialize(full.Data, JsonOptions);
        Assert.Contains("\"messageBack\":{\"needs\":[\"loneliness\",\"physical-activity\"]", fullJson);
        Assert.Contains("Walking weekly.", fullJson);
        Assert.Contains("goals-met", full.Summary);

        var codesOnly = PartnerEvents.Describe(Assert.Single(
            ReferralDecider.Decide(InProgress(ShareWithReferrer.CodesOnly), new CloseReferral(ByLinkWorkerService, ReferralStatus.Completed, "goals-met", "Walking weekly.", At))))!;
        var codesOnlyJson = JsonSerializer.Serialize(codesOnly.Data, JsonOptions);
        Assert.DoesNotContain("goals-met", codesOnlyJson + codesOnly.Summary);
        Assert.DoesNotContain("Walking weekly.", codesOnlyJson);
        Assert.Contains("871731000000106", codesOnlyJson);
    }

    [Fact]
    public void A_message_shows_in_the_timeline_without_its_text()
    {
        var posted = new ReferralMessagePosted(Guid.NewGuid(), Guid.NewGuid(), ByGp, "Riverside Surgery", "Ada Lovelace's new number", At);
        var partner = PartnerEvents.Describe(posted)!;
        Assert.DoesNotContain("Lovelace", partner.Summary);
        Assert.Contains("Lovelace", JsonSerializer.Serialize(partner.Data, JsonOptions));
    }

    // ---- self-referral ----

    private static SubmitSelfReferralRequest SelfReferral(string? area) => new(
        new PersonRequest("Ada", "Lovelace", new DateOnly(1950, 12, 10), null, "L1 8JQ", "07700900123", null, "phone", "en", null),
        ["loneliness"], null, Urgency.Routine, new ConsentRequest(true, At, ShareWithReferrer.Full), area);

    [Theory]
    [InlineData("liverpool-north", true)]
    [InlineData("area-51", true)]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("Liverpool North", false)]
    [InlineData("liverpool_north", false)]
    public void A_self_referral_needs_an_area_code(string? area, bool valid)
    {
        RequestValidation.UsePartnerConventions();
        var clock = Substitute.For<TimeProvider>();
        clock.GetUtcNow().Returns(At);

        var result = new SubmitSelfReferralRequestValidator(clock).Validate(SelfReferral(area));

        Assert.Equal(valid, result.IsValid);
        Assert.Equal(!valid, result.Errors.Any(e => e.PropertyName == "area"));
    }

    [Fact]
    public void A_self_referral_area_is_at_most_64_characters()
    {
        Assert.True(SubmitSelfReferralRequestValidator.IsAreaCode(new string('a', 64)));
        Assert.False(SubmitSelfReferralRequestValidator.IsAreaCode(new string('a', 65)));
    }

    private static readonly JsonSerializerOptions JsonOptions = CreateJsonOptions();

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions();
        ReferralNetwork.PartnerApi.PartnerApiExtensions.ConfigureJson(options);
        return options;
    }
}
