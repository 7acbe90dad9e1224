using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.Referrals.Referrals;

/// <summary>
/// Pure decisions on a referral: given its state and one command (what a party asks or another
/// service reports, see Commands.cs), which events follow. An empty result means the report is already reflected (a redelivery) or has
/// been overtaken, so nothing changes.
/// </summary>
/// <remarks>
/// Reports from other services mirror decisions those services already made, so the rules here are:
/// a report whose prerequisite has not arrived throws <see cref="ReportedOutOfOrder"/> (retried);
/// one the referral's state or the reporter cannot explain throws <see cref="RuleViolation"/>;
/// a link-worker report about the referral itself after the referrer cancelled it is dropped, since
/// the cancellation is final and the link-worker service hears of it (ReferralCancelled) and stops;
/// onward-referral reports are still recorded then, because onward referrals finish their own story
/// (the cancellation of each comes back as OnwardReferralWithdrawn).
/// </remarks>
public static class ReferralDecider
{
    public static IReadOnlyList<object> Decide(Referral current, AssignLinkWorkerService command)
    {
        if (current.LinkWorkerServiceId == command.ServiceId)
        {
            return [];
        }

        if (current.LinkWorkerServiceId is not null)
        {
            throw new RuleViolation("The referral is already with another link-worker service.");
        }

        return [new LinkWorkerServiceAssigned(current.Id, command.ServiceId, command.ServiceName, command.At)];
    }

    public static IReadOnlyList<object> Decide(Referral current, AssignLinkWorker command)
    {
        RequireHandledBy(current, command.By);
        if (current.IsCancelledByReferrer || (current.Status == ReferralStatus.Accepted && current.LinkWorker?.Id == command.LinkWorkerId))
        {
            return [];
        }

        if (current.Status != ReferralStatus.Requested)
        {
            throw new RuleViolation($"A {current.Status.ToWire()} referral cannot be accepted.");
        }

        return [new LinkWorkerAssigned(current.Id, command.By, command.LinkWorkerId, command.LinkWorkerName, command.At)];
    }

    public static IReadOnlyList<object> Decide(Referral current, RecordContact command)
    {
        RequireHandledBy(current, command.By);
        if (current.IsCancelledByReferrer)
        {
            return [];
        }

        // Closed: the contact waited on the broker (it came before the acceptance) and the close overtook it. It is
        // still recorded, so the referrer's feed and timeline have it; recording it moves no closed status.
        if (current.Status is not (ReferralStatus.Accepted or ReferralStatus.InProgress or ReferralStatus.OnHold) && !current.IsClosedByLinkWorker)
        {
            throw current.Status == ReferralStatus.Requested
                ? new ReportedOutOfOrder("contact before acceptance")
                : new RuleViolation($"Contacts cannot be recorded on a {current.Status.ToWire()} referral.");
        }

        return [new ContactAttemptRecorded(current.Id, command.By, command.Outcome, command.ContactedAt, command.At)];
    }

    public static IReadOnlyList<object> Decide(Referral current, AddOnwardReferral command)
    {
        RequireHandledBy(current, command.By);
        if (current.FindOnwardReferral(command.OnwardReferralId) is not null)
        {
            return [];
        }

        // Made as the referrer cancelled: still recorded, so its cancellation has something to cancel. Made before the
        // close that overtook it: still recorded, since the provider has it.
        if (current.Status is not (ReferralStatus.Accepted or ReferralStatus.InProgress or ReferralStatus.OnHold)
            && !current.IsCancelledByReferrer && !current.IsClosedByLinkWorker)
        {
            throw current.Status == ReferralStatus.Requested
                ? new ReportedOutOfOrder("onward referral before acceptance")
                : new RuleViolation($"A {current.Status.ToWire()} referral cannot be referred on.");
        }

        return
        [
            new OnwardReferralAdded(
                current.Id, command.By, command.OnwardReferralId, command.ServiceId, command.ServiceName, command.ProviderId, command.ProviderName, command.At),
        ];
    }

    public static IReadOnlyList<object> Decide(Referral current, MarkOnwardReferralReceived command)
    {
        var onward = HeldBy(current, command.By, command.OnwardReferralId, "acknowledge");
        return onward.Status switch
        {
            OnwardReferralStatus.Received or OnwardReferralStatus.Cancelled => [],
            _ when onward.Acknowledged => [],
            // Requested, or a later step of the provider's overtook this one (it waited on the broker): the
            // acknowledgement is still recorded, so the referrer's feed and timeline have it; the status stays.
            _ => [new OnwardReferralReceived(current.Id, command.By, command.OnwardReferralId, command.At)],
        };
    }

    public static IReadOnlyList<object> Decide(Referral current, RejectReferral command)
    {
        RequireHandledBy(current, command.By);
        return current.Status switch
        {
            ReferralStatus.Requested => [new ReferralRejected(current.Id, command.By, command.Reason, command.Note, command.At)],
            ReferralStatus.Rejected or ReferralStatus.Cancelled or ReferralStatus.EnteredInError => [],
            _ => throw new RuleViolation($"A {current.Status.ToWire()} referral cannot be rejected."),
        };
    }

    public static IReadOnlyList<object> Decide(Referral current, PutReferralOnHold command)
    {
        RequireHandledBy(current, command.By);
        // Resumed after this hold was made: the hold is over already (it waited on the broker and its resume overtook it).
        if (current.ResumedAt >= command.At && current.Status is ReferralStatus.Accepted or ReferralStatus.InProgress)
        {
            return [];
        }

        return current.Status switch
        {
            ReferralStatus.Accepted or ReferralStatus.InProgress => [new ReferralPutOnHold(current.Id, command.By, command.Note, command.At)],
            // Closed: the hold waited on the broker and the close overtook it; the close stands.
            ReferralStatus.OnHold or ReferralStatus.Cancelled or ReferralStatus.EnteredInError or ReferralStatus.Completed or ReferralStatus.Failed => [],
            ReferralStatus.Requested => throw new ReportedOutOfOrder("hold before acceptance"),
            _ => throw new RuleViolation($"A {current.Status.ToWire()} referral cannot be put on hold."),
        };
    }

    public static IReadOnlyList<object> Decide(Referral current, ResumeReferral command)
    {
        RequireHandledBy(current, command.By);
        return current.Status switch
        {
            ReferralStatus.OnHold => [new ReferralResumed(current.Id, command.By, current.StatusBeforeHold ?? ReferralStatus.InProgress, command.At)],
            // Not on hold and never resumed since this resume was made: it overtook its hold (which waited on the broker,
            // as a step before the acceptance does), so it waits for it rather than leave the referral held for good.
            ReferralStatus.Accepted or ReferralStatus.InProgress when !(current.ResumedAt >= command.At) =>
                throw new ReportedOutOfOrder("resume before its hold"),
            // Not on hold any more: this resume is already reflected.
            ReferralStatus.Accepted or ReferralStatus.InProgress or ReferralStatus.Cancelled or ReferralStatus.EnteredInError
                or ReferralStatus.Completed or ReferralStatus.Failed => [],
            _ => throw new RuleViolation($"A {current.Status.ToWire()} referral cannot be resumed."),
        };
    }

    public static IReadOnlyList<object> Decide(Referral current, CloseReferral command)
    {
        RequireHandledBy(current, command.By);
        if (command.Status is not (ReferralStatus.Completed or ReferralStatus.Failed))
        {
            throw new RuleViolation($"A referral closes as completed or failed, not {command.Status.ToWire()}.");
        }

        if (current.IsCancelledByReferrer || (current.Status == command.Status && current.Outcome == command.Outcome))
        {
            return [];
        }

        return current.Status switch
        {
            ReferralStatus.Accepted or ReferralStatus.InProgress or ReferralStatus.OnHold =>
            [
                new ReferralClosed(
                    current.Id, command.By, command.Status, command.Outcome, command.Summary,
                    MessageBack.Compose(current, command.Outcome, command.Summary), command.At),
            ],
            ReferralStatus.Requested => throw new ReportedOutOfOrder("close before acceptance"),
            _ => throw new RuleViolation($"A {current.Status.ToWire()} referral cannot be closed."),
        };
    }

    /// <summary>The referrer cancels; the API answers a non-referrer before asking (403), so this is the backstop.</summary>
    public static IReadOnlyList<object> Decide(Referral current, CancelReferral command)
    {
        if (command.By.OrganisationId != current.ReferrerId)
        {
            throw new RuleViolation("Only the referrer can cancel a referral.");
        }

        if (current.IsFinished)
        {
            throw new RuleViolation($"A {current.Status.ToWire()} referral cannot be cancelled.");
        }

        return [new ReferralCancelled(current.Id, command.By, command.Reason, command.Note, command.At)];
    }

    /// <summary>Any party may write at any time, also after the referral finished (questions about the outcome).</summary>
    public static IReadOnlyList<object> Decide(Referral current, PostMessage command) =>
        [new ReferralMessagePosted(current.Id, command.MessageId, command.By, command.AuthorName, command.Text, command.At)];

    /// <summary>The feedback service lets only the link-worker service handling the referral record measures.</summary>
    public static IReadOnlyList<object> Decide(Referral current, RecordMeasure command)
    {
        if (current.LinkWorkerServiceId is not { } service)
        {
            throw new ReportedOutOfOrder("measure before routing");
        }

        if (current.Measures.Any(m => m.OutcomeId == command.OutcomeId))
        {
            return [];
        }

        return
        [
            new MeasureRecorded(
                current.Id, new Actor(service, OrganisationKind.LinkWorkerService), command.OutcomeId, command.Instrument, command.Timepoint,
                command.Scores, command.At),
        ];
    }

    public static IReadOnlyList<object> Decide(Referral current, AcceptOnwardReferral command)
    {
        var onward = HeldBy(current, command.By, command.OnwardReferralId, "accept");
        return onward.Status switch
        {
            OnwardReferralStatus.Requested or OnwardReferralStatus.Received =>
                [new OnwardReferralAccepted(current.Id, command.By, command.OnwardReferralId, command.At)],
            OnwardReferralStatus.Accepted or OnwardReferralStatus.Cancelled => [],
            // Overtaken by what the provider did after accepting: recorded late (the status stays), once. A failure
            // without an acknowledgement was the deadline's (no response), which no acceptance came before.
            OnwardReferralStatus.InProgress or OnwardReferralStatus.Completed or OnwardReferralStatus.Failed =>
                onward.TakenOn || (onward.Status == OnwardReferralStatus.Failed && !onward.Acknowledged)
                    ? []
                    : [new OnwardReferralAccepted(current.Id, command.By, command.OnwardReferralId, command.At)],
            _ => throw new RuleViolation($"A {onward.Status.ToWire()} onward referral cannot be accepted."),
        };
    }

    public static IReadOnlyList<object> Decide(Referral current, RejectOnwardReferral command)
    {
        var onward = HeldBy(current, command.By, command.OnwardReferralId, "reject");
        return onward.Status switch
        {
            OnwardReferralStatus.Requested or OnwardReferralStatus.Received =>
                [new OnwardReferralRejected(current.Id, command.By, command.OnwardReferralId, command.Reason, command.Note, command.At)],
            OnwardReferralStatus.Rejected or OnwardReferralStatus.Cancelled => [],
            _ => throw new RuleViolation($"A {onward.Status.ToWire()} onward referral cannot be rejected."),
        };
    }

    public static IReadOnlyList<object> Decide(Referral current, RecordAttendance command)
    {
        var onward = HeldBy(current, command.By, command.OnwardReferralId, "record attendance on");
        if (onward.Status == OnwardReferralStatus.Cancelled || onward.Attendances.Contains(new Attendance(command.Date, command.Attended)))
        {
            return [];
        }

        return onward.Status switch
        {
            OnwardReferralStatus.Requested or OnwardReferralStatus.Received => throw new ReportedOutOfOrder("attendance before the provider's acceptance"),
            // A finished one: the attendance was recorded before the finish that overtook it, and changes no status.
            OnwardReferralStatus.Accepted or OnwardReferralStatus.InProgress or OnwardReferralStatus.Completed or OnwardReferralStatus.Failed =>
                [new OnwardAttendanceRecorded(current.Id, command.By, command.OnwardReferralId, command.Date, command.Attended, command.At)],
            _ => throw new RuleViolation($"Attendance cannot be recorded on a {onward.Status.ToWire()} onward referral."),
        };
    }

    public static IReadOnlyList<object> Decide(Referral current, CompleteOnwardReferral command)
    {
        var onward = HeldBy(current, command.By, command.OnwardReferralId, "complete");
        return onward.Status switch
        {
            OnwardReferralStatus.Accepted or OnwardReferralStatus.InProgress =>
                [new OnwardReferralCompleted(current.Id, command.By, command.OnwardReferralId, command.Summary, command.At)],
            OnwardReferralStatus.Completed or OnwardReferralStatus.Cancelled => [],
            OnwardReferralStatus.Requested or OnwardReferralStatus.Received => throw new ReportedOutOfOrder("completion before the provider's acceptance"),
            _ => throw new RuleViolation($"A {onward.Status.ToWire()} onward referral cannot be completed."),
        };
    }

    /// <summary>Failed by the provider, or expired unacknowledged (reason no-response).</summary>
    public static IReadOnlyList<object> Decide(Referral current, FailOnwardReferral command)
    {
        var onward = HeldBy(current, command.By, command.OnwardReferralId, "fail");
        return onward.Status switch
        {
            OnwardReferralStatus.Requested or OnwardReferralStatus.Received or OnwardReferralStatus.Accepted or OnwardReferralStatus.InProgress =>
                [new OnwardReferralFailed(current.Id, command.By, command.OnwardReferralId, command.Reason, command.At)],
            OnwardReferralStatus.Failed or OnwardReferralStatus.Cancelled => [],
            _ => throw new RuleViolation($"A {onward.Status.ToWire()} onward referral cannot fail."),
        };
    }

    /// <summary>The acknowledgement deadline passed: the provider was nudged. Only an unacknowledged onward referral is.</summary>
    public static IReadOnlyList<object> Decide(Referral current, RemindAboutOnwardReferral command)
    {
        var onward = HeldBy(current, command.By, command.OnwardReferralId, "remind about");
        // Answered already: the answer overtook the reminder, which no longer tells the referrer anything.
        return onward.RemindedAt is null && onward.Status == OnwardReferralStatus.Requested
            ? [new OnwardReferralReminded(current.Id, command.By, command.OnwardReferralId, command.At)]
            : [];
    }

    /// <summary>Still unacknowledged after the reminder: escalated to the link worker.</summary>
    public static IReadOnlyList<object> Decide(Referral current, EscalateOnwardReferral command)
    {
        var onward = HeldBy(current, command.By, command.OnwardReferralId, "escalate");
        return onward.EscalatedAt is null && onward.Status == OnwardReferralStatus.Requested
            ? [new OnwardReferralEscalated(current.Id, command.By, command.OnwardReferralId, command.At)]
            : [];
    }

    /// <summary>
    /// Withdrawn by the link-worker service handling the referral, or confirmed cancelled by the provider
    /// holding it. One that finished first keeps its result: the two services crossed, and the finish stands.
    /// </summary>
    public static IReadOnlyList<object> Decide(Referral current, CancelOnwardReferral command)
    {
        var onward = current.FindOnwardReferral(command.OnwardReferralId) ?? throw new ReportedOutOfOrder("cancellation before the onward referral");
        if (command.By.OrganisationId != onward.Provider.Id && command.By.OrganisationId != current.LinkWorkerServiceId)
        {
            throw new RuleViolation("Only the link-worker service handling the referral or the provider holding the onward referral can cancel it.");
        }

        return onward.IsFinished
            ? []
            : [new OnwardReferralCancelled(current.Id, command.By, command.OnwardReferralId, onward.Provider.Id, command.Reason, command.At)];
    }

    private static OnwardReferral HeldBy(Referral referral, Actor by, Guid onwardReferralId, string action)
    {
        var onward = referral.FindOnwardReferral(onwardReferralId)
            ?? throw new ReportedOutOfOrder("provider report before the onward referral");
        if (onward.Provider.Id != by.OrganisationId)
        {
            throw new RuleViolation($"Only the provider holding the onward referral can {action} it.");
        }

        return onward;
    }

    private static void RequireHandledBy(Referral referral, Actor by)
    {
        if (referral.LinkWorkerServiceId is null)
        {
            throw new ReportedOutOfOrder("link-worker update before routing");
        }

        if (referral.LinkWorkerServiceId != by.OrganisationId)
        {
            throw new RuleViolation("Only the link-worker service handling the referral can update it.");
        }
    }
}

/// <summary>
/// Another service reported something whose prerequisite has not reached us yet (messages from
/// different queues can overtake each other). Thrown so the consumer's retry tries again shortly.
/// </summary>
public sealed class ReportedOutOfOrder(string what) : ArrivedOutOfOrder($"Out of order: {what}.");
