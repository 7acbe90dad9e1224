using JasperFx.Events;
using ReferralNetwork.CommunityProviders;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.UnitTests.EventSourcing;
using Published = ReferralNetwork.Contracts.CommunityProviders;

namespace ReferralNetwork.UnitTests.Providers;

public class OnwardReferralLifecycleTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = DateOnly.FromDateTime(At.UtcDateTime);

    private static readonly AcknowledgementPolicy Policy = new()
    {
        RemindAfter = TimeSpan.FromDays(2),
        EscalateAfter = TimeSpan.FromDays(4),
        ExpireAfter = TimeSpan.FromDays(7),
    };

    private static ProviderReferral Arrived() => Evolution.Start<ProviderReferral>(new OnwardReferralArrived(
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "Walking group", Guid.NewGuid(), ["physical-activity"], null,
        new OnwardReferralPerson("Ada", "Lovelace", null, null, null, null, null), At));

    /// <summary>An onward referral brought to <paramref name="status"/> the way a provider (or the link worker) would.</summary>
    private static ProviderReferral In(OnwardReferralStatus status)
    {
        var requested = Arrived();
        var received = requested.Then(Command("acknowledge", requested));
        var accepted = received.Then(Command("accept", received));
        var inProgress = accepted.Then(Command("attendance", accepted));
        return status switch
        {
            OnwardReferralStatus.Requested => requested,
            OnwardReferralStatus.Received => received,
            OnwardReferralStatus.Accepted => accepted,
            OnwardReferralStatus.InProgress => inProgress,
            OnwardReferralStatus.Rejected => received.Then(ProviderReferralDecider.Decide(received, new RejectOnwardReferral(RejectionReason.AtCapacity, null, At))),
            OnwardReferralStatus.Completed => inProgress.Then(ProviderReferralDecider.Decide(inProgress, new CompleteOnwardReferral("Came every week.", At))),
            OnwardReferralStatus.Failed => accepted.Then(ProviderReferralDecider.Decide(accepted, new FailOnwardReferral("Stopped coming.", At))),
            OnwardReferralStatus.Cancelled => accepted.Then(ProviderReferralDecider.Decide(accepted, new CancelOnwardReferral("withdrawn", At))),
            _ => throw new ArgumentOutOfRangeException(nameof(status)),
        };
    }

    private static IReadOnlyList<object> Command(string command, ProviderReferral current) => command switch
    {
        "acknowledge" => ProviderReferralDecider.Decide(current, new AcknowledgeOnwardReferral(At)),
        "accept" => ProviderReferralDecider.Decide(current, new AcceptOnwardReferral(At)),
        "reject" => ProviderReferralDecider.Decide(current, new RejectOnwardReferral(RejectionReason.NotEligible, "Under 18.", At)),
        "attendance" => ProviderReferralDecider.Decide(current, new RecordAttendance(Today, true, At)),
        "complete" => ProviderReferralDecider.Decide(current, new CompleteOnwardReferral("Joined the group.", At)),
        "fail" => ProviderReferralDecider.Decide(current, new FailOnwardReferral("Moved away.", At)),
        "cancel" => ProviderReferralDecider.Decide(current, new CancelOnwardReferral("withdrawn", At)),
        _ => throw new ArgumentOutOfRangeException(nameof(command)),
    };

    [Theory]
    [InlineData(OnwardReferralStatus.Requested, true)]
    [InlineData(OnwardReferralStatus.Accepted, true)]
    [InlineData(OnwardReferralStatus.Completed, true)]
    [InlineData(OnwardReferralStatus.Failed, true)]
    [InlineData(OnwardReferralStatus.Rejected, false)]
    [InlineData(OnwardReferralStatus.Cancelled, false)]
    public void The_provider_sees_the_person_only_while_it_holds_the_onward_referral(OnwardReferralStatus status, bool seen)
    {
        var view = In(status).AsSeenByProvider(new AcknowledgementPolicy());
        Assert.Equal(seen ? "Ada" : "(withheld)", view.Person.GivenName);
    }

    [Theory]
    [InlineData(OnwardReferralStatus.Requested, true)]
    [InlineData(OnwardReferralStatus.Received, false)]
    [InlineData(OnwardReferralStatus.Accepted, false)]
    [InlineData(OnwardReferralStatus.Rejected, false)]
    [InlineData(OnwardReferralStatus.Failed, false)]
    public void The_provider_sees_by_when_to_acknowledge_while_that_is_still_to_do(OnwardReferralStatus status, bool shown)
    {
        var policy = new AcknowledgementPolicy { ExpireAfter = TimeSpan.FromDays(5) };
        var referral = In(status);
        Assert.Equal(shown ? referral.ReceivedAt.AddDays(5) : null, referral.AsSeenByProvider(policy).AcknowledgeBy);
    }

    [Fact]
    public void An_onward_referral_that_expired_unacknowledged_no_longer_shows_the_person()
    {
        var requested = Arrived();
        var failed = requested.Then(new OnwardReferralExpired(requested.Id, requested.ReferralId, requested.ProviderId, At));
        Assert.Equal(OnwardReferralStatus.Failed, failed.Status);
        Assert.Equal("(withheld)", failed.AsSeenByProvider(new AcknowledgementPolicy()).Person.FamilyName);
    }

    [Theory]
    [InlineData(OnwardReferralStatus.Requested, "acknowledge", OnwardReferralStatus.Received)]
    [InlineData(OnwardReferralStatus.Requested, "accept", OnwardReferralStatus.Accepted)]
    [InlineData(OnwardReferralStatus.Requested, "reject", OnwardReferralStatus.Rejected)]
    [InlineData(OnwardReferralStatus.Requested, "cancel", OnwardReferralStatus.Cancelled)]
    [InlineData(OnwardReferralStatus.Received, "accept", OnwardReferralStatus.Accepted)]
    [InlineData(OnwardReferralStatus.Received, "reject", OnwardReferralStatus.Rejected)]
    [InlineData(OnwardReferralStatus.Received, "cancel", OnwardReferralStatus.Cancelled)]
    [InlineData(OnwardReferralStatus.Accepted, "attendance", OnwardReferralStatus.InProgress)]
    [InlineData(OnwardReferralStatus.Accepted, "fail", OnwardReferralStatus.Failed)]
    [InlineData(OnwardReferralStatus.Accepted, "cancel", OnwardReferralStatus.Cancelled)]
    [InlineData(OnwardReferralStatus.InProgress, "attendance", OnwardReferralStatus.InProgress)]
    [InlineData(OnwardReferralStatus.InProgress, "complete", OnwardReferralStatus.Completed)]
    [InlineData(OnwardReferralStatus.InProgress, "fail", OnwardReferralStatus.Failed)]
    [InlineData(OnwardReferralStatus.InProgress, "cancel", OnwardReferralStatus.Cancelled)]
    public void Allowed_transitions_move_the_status(OnwardReferralStatus from, string command, OnwardReferralStatus to)
    {
        var current = In(from);
        var events = Command(command, current);
        Assert.NotEmpty(events);
        var next = current.Then(events);
        Assert.Equal(to, next.Status);
        Assert.Equal(current.Version + events.Count, next.Version);
    }

    [Theory]
    [InlineData(OnwardReferralStatus.Requested, "attendance")]
    [InlineData(OnwardReferralStatus.Requested, "complete")]
    [InlineData(OnwardReferralStatus.Requested, "fail")]
    [InlineData(OnwardReferralStatus.Received, "acknowledge")]
    [InlineData(OnwardReferralStatus.Received, "attendance")]
    [InlineData(OnwardReferralStatus.Received, "complete")]
    [InlineData(OnwardReferralStatus.Received, "fail")]
    [InlineData(OnwardReferralStatus.Accepted, "acknowledge")]
    [InlineData(OnwardReferralStatus.Accepted, "accept")]
    [InlineData(OnwardReferralStatus.Accepted, "reject")]
    [InlineData(OnwardReferralStatus.Accepted, "complete")]
    [InlineData(OnwardReferralStatus.InProgress, "acknowledge")]
    [InlineData(OnwardReferralStatus.InProgress, "accept")]
    [InlineData(OnwardReferralStatus.InProgress, "reject")]
    [InlineData(OnwardReferralStatus.Completed, "acknowledge")]
    [InlineData(OnwardReferralStatus.Completed, "accept")]
    [InlineData(OnwardReferralStatus.Completed, "reject")]
    [InlineData(OnwardReferralStatus.Completed, "attendance")]
    [InlineData(OnwardReferralStatus.Completed, "complete")]
    [InlineData(OnwardReferralStatus.Completed, "fail")]
    [InlineData(OnwardReferralStatus.Failed, "acknowledge")]
    [InlineData(OnwardReferralStatus.Failed, "accept")]
    [InlineData(OnwardReferralStatus.Failed, "reject")]
    [InlineData(OnwardReferralStatus.Failed, "attendance")]
    [InlineData(OnwardReferralStatus.Failed, "complete")]
    [InlineData(OnwardReferralStatus.Failed, "fail")]
    [InlineData(OnwardReferralStatus.Rejected, "acknowledge")]
    [InlineData(OnwardReferralStatus.Rejected, "accept")]
    [InlineData(OnwardReferralStatus.Rejected, "reject")]
    [InlineData(OnwardReferralStatus.Rejected, "attendance")]
    [InlineData(OnwardReferralStatus.Rejected, "complete")]
    [InlineData(OnwardReferralStatus.Rejected, "fail")]
    [InlineData(OnwardReferralStatus.Cancelled, "acknowledge")]
    [InlineData(OnwardReferralStatus.Cancelled, "accept")]
    [InlineData(OnwardReferralStatus.Cancelled, "reject")]
    [InlineData(OnwardReferralStatus.Cancelled, "attendance")]
    [InlineData(OnwardReferralStatus.Cancelled, "complete")]
    [InlineData(OnwardReferralStatus.Cancelled, "fail")]
    public void Refused_transitions_are_a_conflict(OnwardReferralStatus from, string command)
    {
        var current = In(from);
        var refused = Assert.Throws<RuleViolation>(() => Command(command, current));
        Assert.Contains(from.ToWire(), refused.Message);
    }

    [Theory]
    [InlineData(OnwardReferralStatus.Completed)]
    [InlineData(OnwardReferralStatus.Failed)]
    [InlineData(OnwardReferralStatus.Rejected)]
    [InlineData(OnwardReferralStatus.Cancelled)]
    public void Withdrawing_a_finished_onward_referral_leaves_it_as_it_is(OnwardReferralStatus finished)
    {
        Assert.Empty(ProviderReferralDecider.Decide(In(finished), new CancelOnwardReferral("referral-cancelled", At)));
    }

    [Fact]
    public void Accepting_from_the_inbox_records_the_acknowledgement_first()
    {
        var requested = Arrived();
        var events = ProviderReferralDecider.Decide(requested, new AcceptOnwardReferral(At));
        Assert.Collection(events, e => Assert.IsType<OnwardReferralAcknowledged>(e), e => Assert.IsType<OnwardReferralAccepted>(e));
        var accepted = requested.Then(events);
        Assert.Equal(At, accepted.AcknowledgedAt);

        var received = In(OnwardReferralStatus.Received);
        Assert.IsType<OnwardReferralAccepted>(Assert.Single(ProviderReferralDecider.Decide(received, new AcceptOnwardReferral(At))));
    }

    [Fact]
    public void Rejecting_from_the_inbox_records_the_acknowledgement_first_and_keeps_the_structured_reason()
    {
        var requested = Arrived();
        var events = ProviderReferralDecider.Decide(requested, new RejectOnwardReferral(RejectionReason.AtCapacity, "Full until spring.", At));
        Assert.Collection(events, e => Assert.IsType<OnwardReferralAcknowledged>(e), e => Assert.IsType<OnwardReferralRejected>(e));
        var rejected = requested.Then(events);
        Assert.Equal(OnwardReferralStatus.Rejected, rejected.Status);
        Assert.Equal("at-capacity", rejected.StatusReason);
        Assert.Equal("Full until spring.", rejected.StatusNote);
    }

    [Fact]
    public void The_first_attendance_starts_the_work_and_a_missed_session_keeps_the_status()
    {
        var accepted = In(OnwardReferralStatus.Accepted);
        var missed = accepted.Then(ProviderReferralDecider.Decide(accepted, new RecordAttendance(Today.AddDays(-7), false, At)));
        Assert.Equal(OnwardReferralStatus.Accepted, missed.Status);

        var attended = missed.Then(ProviderReferralDecider.Decide(missed, new RecordAttendance(Today, true, At)));
        Assert.Equal(OnwardReferralStatus.InProgress, attended.Status);

        var missedLater = attended.Then(ProviderReferralDecider.Decide(attended, new RecordAttendance(Today, false, At)));
        Assert.Equal(OnwardReferralStatus.InProgress, missedLater.Status);
        Assert.Equal([false, true, false], missedLater.Attendances.Select(a => a.Attended));
        Assert.Equal(Today.AddDays(-7), missedLater.Attendances[0].Date);
    }

    [Fact]
    public void Completing_keeps_the_summary_and_failing_keeps_the_reason()
    {
        var inProgress = In(OnwardReferralStatus.InProgress);
        Assert.Equal("Joined the group.", inProgress.Then(Command("complete", inProgress)).Summary);
        var failed = inProgress.Then(Command("fail", inProgress));
        Assert.Equal("Moved away.", failed.StatusReason);
    }

    [Fact]
    public void A_withdrawal_cancels_with_its_reason_and_a_redelivery_changes_nothing()
    {
        var received = In(OnwardReferralStatus.Received);
        var cancelled = received.Then(ProviderReferralDecider.Decide(received, new CancelOnwardReferral("referral-cancelled", At)));
        Assert.Equal(OnwardReferralStatus.Cancelled, cancelled.Status);
        Assert.Equal("referral-cancelled", cancelled.StatusReason);
        Assert.Empty(ProviderReferralDecider.Decide(cancelled, new CancelOnwardReferral("referral-cancelled", At)));
    }

    [Fact]
    public void Nothing_is_due_just_before_the_reminder()
    {
        Assert.Empty(Deadlines.Due(Arrived(), At + Policy.RemindAfter - TimeSpan.FromSeconds(1), Policy));
    }

    [Fact]
    public void The_reminder_is_due_at_its_delay_and_not_twice()
    {
        var requested = Arrived();
        var now = At + Policy.RemindAfter;
        var due = Deadlines.Due(requested, now, Policy);
        var reminder = Assert.IsType<OnwardReferralReminded>(Assert.Single(due));
        Assert.Equal(now, reminder.At);

        var reminded = requested.Then(due);
        Assert.Equal(OnwardReferralStatus.Requested, reminded.Status);
        Assert.Equal(now, reminded.RemindedAt);
        Assert.Empty(Deadlines.Due(reminded, now, Policy));
        Assert.Empty(Deadlines.Due(reminded, At + Policy.EscalateAfter - TimeSpan.FromSeconds(1), Policy));
    }

    [Fact]
    public void The_escalation_is_due_just_after_its_delay_and_not_twice()
    {
        var requested = Arrived();
        var reminded = requested.Then(Deadlines.Due(requested, At + Policy.RemindAfter, Policy));
        var now = At + Policy.EscalateAfter + TimeSpan.FromSeconds(1);
        var due = Deadlines.Due(reminded, now, Policy);
        var escalated = Assert.IsType<OnwardReferralEscalated>(Assert.Single(due));
        Assert.Equal(reminded.LinkWorkerServiceId, escalated.LinkWorkerServiceId);

        var afterEscalation = reminded.Then(due);
        Assert.NotNull(afterEscalation.EscalatedAt);
        Assert.Empty(Deadlines.Due(afterEscalation, now, Policy));
        Assert.Empty(Deadlines.Due(afterEscalation, At + Policy.ExpireAfter - TimeSpan.FromSeconds(1), Policy));
    }

    [Fact]
    public void Expiry_fails_it_with_no_response_after_its_delay()
    {
        var requested = Arrived();
        var escalated = requested.Then(Deadlines.Due(requested, At + Policy.EscalateAfter, Policy));
        Assert.Equal(2, escalated.Version - requested.Version);

        var now = At + Policy.ExpireAfter + TimeSpan.FromSeconds(1);
        var due = Deadlines.Due(escalated, now, Policy);
        Assert.IsType<OnwardReferralExpired>(Assert.Single(due));
        var expired = escalated.Then(due);
        Assert.Equal(OnwardReferralStatus.Failed, expired.Status);
        Assert.Equal("no-response", expired.StatusReason);
        Assert.Empty(Deadlines.Due(expired, now.AddDays(30), Policy));
    }

    [Fact]
    public void After_an_outage_every_step_now_due_is_taken_at_once_in_order()
    {
        var requested = Arrived();
        var due = Deadlines.Due(requested, At.AddDays(10), Policy);
        Assert.Collection(due,
            e => Assert.IsType<OnwardReferralReminded>(e),
            e => Assert.IsType<OnwardReferralEscalated>(e),
            e => Assert.IsType<OnwardReferralExpired>(e));
        var expired = requested.Then(due);
        Assert.Equal(OnwardReferralStatus.Failed, expired.Status);
        Assert.NotNull(expired.RemindedAt);
        Assert.NotNull(expired.EscalatedAt);
        Assert.Empty(Deadlines.Due(expired, At.AddDays(10), Policy));
    }

    [Fact]
    public void Nothing_is_due_once_acknowledged()
    {
        var requested = Arrived();
        var reminded = requested.Then(Deadlines.Due(requested, At + Policy.RemindAfter, Policy));
        var received = reminded.Then(ProviderReferralDecider.Decide(reminded, new AcknowledgeOnwardReferral(At + Policy.RemindAfter)));
        Assert.Empty(Deadlines.Due(received, At.AddDays(30), Policy));
        Assert.Empty(Deadlines.Due(In(OnwardReferralStatus.Accepted), At.AddDays(30), Policy));
    }

    /// <summary>An onward referral referred on at <paramref name="referredAt"/> that reached the inbox only at <see cref="At"/>.</summary>
    private static ProviderReferral ArrivedLate(DateTimeOffset referredAt) => Evolution.Start<ProviderReferral>(new OnwardReferralArrived(
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "Walking group", Guid.NewGuid(), ["physical-activity"], null,
        new OnwardReferralPerson("Ada", "Lovelace", null, null, null, null, null), referredAt, ArrivedAt: At));

    [Fact]
    public void A_late_delivery_keeps_both_times_and_the_deadlines_count_from_its_arrival()
    {
        // Referred on longer ago than the whole window: counted from the referral it would fail at once.
        var late = ArrivedLate(At - Policy.ExpireAfter - TimeSpan.FromDays(3));
        Assert.Equal(At, late.ReceivedAt);
        Assert.Equal(At, late.UpdatedAt);
        Assert.Equal(At - Policy.ExpireAfter - TimeSpan.FromDays(3), late.ReferredAt);

        Assert.Empty(Deadlines.Due(late, At, Policy));
        Assert.Empty(Deadlines.Due(late, At + Policy.RemindAfter - TimeSpan.FromSeconds(1), Policy));
        Assert.IsType<OnwardReferralReminded>(Assert.Single(Deadlines.Due(late, At + Policy.RemindAfter, Policy)));
        Assert.Collection(Deadlines.Due(late, At + Policy.ExpireAfter - TimeSpan.FromSeconds(1), Policy),
            e => Assert.IsType<OnwardReferralReminded>(e),
            e => Assert.IsType<OnwardReferralEscalated>(e));
        Assert.IsType<OnwardReferralExpired>(Deadlines.Due(late, At + Policy.ExpireAfter, Policy)[^1]);
    }

    [Fact]
    public void An_onward_referral_stored_before_arrivals_were_recorded_counts_from_its_referral_as_before()
    {
        // Its event has no arrival time: the referral time is the best there is, and its deadlines do not move.
        var stored = Arrived();
        Assert.Equal(At, stored.ReceivedAt);
        Assert.Equal(At, stored.ReferredAt);
        Assert.Empty(Deadlines.Due(stored, At + Policy.RemindAfter - TimeSpan.FromSeconds(1), Policy));
        Assert.IsType<OnwardReferralExpired>(Deadlines.Due(stored, At + Policy.ExpireAfter, Policy)[^1]);
    }

    [Fact]
    public void The_policy_defaults_are_two_four_and_seven_days()
    {
        // That they must come in order is checked at start: Defaults/OptionsValidationTests.
        var defaults = new AcknowledgementPolicy();
        Assert.Equal((TimeSpan.FromDays(2), TimeSpan.FromDays(4), TimeSpan.FromDays(7), TimeSpan.FromMinutes(1)),
            (defaults.RemindAfter, defaults.EscalateAfter, defaults.ExpireAfter, defaults.CheckEvery));
    }

    [Fact]
    public void Every_step_is_published_as_progress_with_the_status_after_it()
    {
        var map = new ProviderEvents();
        var r = Arrived();
        Published.OnwardReferralProgressed Progress(object e) =>
            Assert.IsType<Published.OnwardReferralProgressed>(map.ToIntegrationEvent((IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(e.GetType()), e)!));

        Assert.IsType<Published.OnwardReferralAcknowledged>(map.ToIntegrationEvent(new Event<OnwardReferralAcknowledged>(
            new OnwardReferralAcknowledged(r.Id, r.ReferralId, r.ProviderId, At))));
        Assert.Equal((Published.OnwardReferralStep.Accepted, OnwardReferralStatus.Accepted),
            Step(Progress(new OnwardReferralAccepted(r.Id, r.ReferralId, r.ProviderId, At))));
        var rejected = Progress(new OnwardReferralRejected(r.Id, r.ReferralId, r.ProviderId, RejectionReason.OutOfArea, "Wirral only.", At));
        Assert.Equal((Published.OnwardReferralStep.Rejected, OnwardReferralStatus.Rejected, "out-of-area", "Wirral only."), (rejected.Step, rejected.Status, rejected.Reason, rejected.Note));
        var attendance = Progress(new AttendanceRecorded(r.Id, r.ReferralId, r.ProviderId, Today, true, OnwardReferralStatus.InProgress, At));
        Assert.Equal((Published.OnwardReferralStep.AttendanceRecorded, OnwardReferralStatus.InProgress, Today, true),
            (attendance.Step, attendance.Status, attendance.AttendanceDate, attendance.Attended));
        Assert.Equal((Published.OnwardReferralStep.Completed, OnwardReferralStatus.Completed),
            Step(Progress(new OnwardReferralCompleted(r.Id, r.ReferralId, r.ProviderId, "Done.", At))));
        Assert.Equal("Moved away.", Progress(new OnwardReferralFailed(r.Id, r.ReferralId, r.ProviderId, "Moved away.", At)).Reason);
        Assert.Equal((Published.OnwardReferralStep.Reminded, OnwardReferralStatus.Requested),
            Step(Progress(new OnwardReferralReminded(r.Id, r.ReferralId, r.ProviderId, At))));
        Assert.Equal((Published.OnwardReferralStep.Escalated, OnwardReferralStatus.Requested),
            Step(Progress(new OnwardReferralEscalated(r.Id, r.ReferralId, r.ProviderId, r.LinkWorkerServiceId, At))));
        var expired = Progress(new OnwardReferralExpired(r.Id, r.ReferralId, r.ProviderId, At));
        Assert.Equal((Published.OnwardReferralStep.Failed, OnwardReferralStatus.Failed, "no-response"), (expired.Step, expired.Status, expired.Reason));
        var cancelled = Progress(new OnwardReferralCancelled(r.Id, r.ReferralId, r.ProviderId, "withdrawn", At));
        Assert.Equal((Published.OnwardReferralStep.Cancelled, OnwardReferralStatus.Cancelled, "withdrawn"), (cancelled.Step, cancelled.Status, cancelled.Reason));
        // The arrival, so the link-worker service knows it was not lost: ids and this service's arrival time, no person.
        var arrived = new OnwardReferralArrived(r.Id, r.ReferralId, r.ProviderId, r.ServiceId, r.ServiceName, r.LinkWorkerServiceId, r.Needs, null, r.Person, At,
            ArrivedAt: At.AddHours(3));
        Assert.Equal(new Published.OnwardReferralArrived(r.Id, r.ReferralId, r.ProviderId, At.AddHours(3)),
            map.ToIntegrationEvent(new Event<OnwardReferralArrived>(arrived)));
        Assert.Equal(At, Assert.IsType<Published.OnwardReferralArrived>(map.ToIntegrationEvent(new Event<OnwardReferralArrived>(arrived with { ArrivedAt = null }))).At);

        static (Published.OnwardReferralStep, OnwardReferralStatus) Step(Published.OnwardReferralProgressed p) => (p.Step, p.Status);
    }
}
