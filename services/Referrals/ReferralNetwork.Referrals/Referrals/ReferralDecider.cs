using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.Referrals.Referrals;

/// <summary>
/// Pure decisions on a referral: given its state and what another party reports (or a party asks),
/// which events follow. An empty result means the report is already reflected (a redelivery) or has
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
    public static IReadOnlyList<object> AssignLinkWorkerService(Referral referral, Guid serviceId, string serviceName, DateTimeOffset at)
    {
        if (referral.LinkWorkerServiceId == serviceId)
        {
            return [];
        }

        if (referral.LinkWorkerServiceId is not null)
        {
            throw new RuleViolation("The referral is already with another link-worker service.");
        }

        return [new LinkWorkerServiceAssigned(referral.Id, serviceId, serviceName, at)];
    }

    public static IReadOnlyList<object> AssignLinkWorker(Referral referral, Actor by, Guid linkWorkerId, string linkWorkerName, DateTimeOffset at)
    {
        RequireHandledBy(referral, by);
        if (referral.IsCancelledByReferrer || (referral.Status == ReferralStatus.Accepted && referral.LinkWorker?.Id == linkWorkerId))
        {
            return [];
        }

        if (referral.Status != ReferralStatus.Requested)
        {
            throw new RuleViolation($"A {referral.Status.ToWire()} referral cannot be accepted.");
        }

        return [new LinkWorkerAssigned(referral.Id, by, linkWorkerId, linkWorkerName, at)];
    }

    public static IReadOnlyList<object> RecordContact(Referral referral, Actor by, string outcome, DateTimeOffset contactedAt, DateTimeOffset at)
    {
        RequireHandledBy(referral, by);
        if (referral.IsCancelledByReferrer)
        {
            return [];
        }

        if (referral.Status is not (ReferralStatus.Accepted or ReferralStatus.InProgress or ReferralStatus.OnHold))
        {
            throw referral.Status == ReferralStatus.Requested
                ? new ReportedOutOfOrder("contact before acceptance")
                : new RuleViolation($"Contacts cannot be recorded on a {referral.Status.ToWire()} referral.");
        }

        return [new ContactAttemptRecorded(referral.Id, by, outcome, contactedAt, at)];
    }

    public static IReadOnlyList<object> AddOnwardReferral(
        Referral referral, Actor by, Guid onwardReferralId, Guid serviceId, string serviceName, Guid providerId, string providerName, DateTimeOffset at)
    {
        RequireHandledBy(referral, by);
        if (referral.FindOnwardReferral(onwardReferralId) is not null)
        {
            return [];
        }

        // Made as the referrer cancelled: still recorded, so its cancellation has something to cancel.
        if (referral.Status is not (ReferralStatus.Accepted or ReferralStatus.InProgress or ReferralStatus.OnHold) && !referral.IsCancelledByReferrer)
        {
            throw referral.Status == ReferralStatus.Requested
                ? new ReportedOutOfOrder("onward referral before acceptance")
                : new RuleViolation($"A {referral.Status.ToWire()} referral cannot be referred on.");
        }

        return [new OnwardReferralAdded(referral.Id, by, onwardReferralId, serviceId, serviceName, providerId, providerName, at)];
    }

    public static IReadOnlyList<object> MarkOnwardReferralReceived(Referral referral, Actor by, Guid onwardReferralId, DateTimeOffset at)
    {
        var onward = HeldBy(referral, by, onwardReferralId, "acknowledge");
        return onward.Status switch
        {
            OnwardReferralStatus.Requested => [new OnwardReferralReceived(referral.Id, by, onwardReferralId, at)],
            OnwardReferralStatus.Received or OnwardReferralStatus.Cancelled => [],
            _ => throw new RuleViolation($"A {onward.Status.ToWire()} onward referral cannot be acknowledged."),
        };
    }

    public static IReadOnlyList<object> Reject(Referral referral, Actor by, string reason, string? note, DateTimeOffset at)
    {
        RequireHandledBy(referral, by);
        return referral.Status switch
        {
            ReferralStatus.Requested => [new ReferralRejected(referral.Id, by, reason, note, at)],
            ReferralStatus.Rejected or ReferralStatus.Cancelled or ReferralStatus.EnteredInError => [],
            _ => throw new RuleViolation($"A {referral.Status.ToWire()} referral cannot be rejected."),
        };
    }

    public static IReadOnlyList<object> PutOnHold(Referral referral, Actor by, string? note, DateTimeOffset at)
    {
        RequireHandledBy(referral, by);
        return referral.Status switch
        {
            ReferralStatus.Accepted or ReferralStatus.InProgress => [new ReferralPutOnHold(referral.Id, by, note, at)],
            ReferralStatus.OnHold or ReferralStatus.Cancelled or ReferralStatus.EnteredInError => [],
            ReferralStatus.Requested => throw new ReportedOutOfOrder("hold before acceptance"),
            _ => throw new RuleViolation($"A {referral.Status.ToWire()} referral cannot be put on hold."),
        };
    }

    public static IReadOnlyList<object> Resume(Referral referral, Actor by, DateTimeOffset at)
    {
        RequireHandledBy(referral, by);
        return referral.Status switch
        {
            ReferralStatus.OnHold => [new ReferralResumed(referral.Id, by, referral.StatusBeforeHold ?? ReferralStatus.InProgress, at)],
            // Not on hold any more: this resume is already reflected.
            ReferralStatus.Accepted or ReferralStatus.InProgress or ReferralStatus.Cancelled or ReferralStatus.EnteredInError => [],
            _ => throw new RuleViolation($"A {referral.Status.ToWire()} referral cannot be resumed."),
        };
    }

    public static IReadOnlyList<object> Close(Referral referral, Actor by, ReferralStatus status, string outcome, string summary, DateTimeOffset at)
    {
        RequireHandledBy(referral, by);
        if (status is not (ReferralStatus.Completed or ReferralStatus.Failed))
        {
            throw new RuleViolation($"A referral closes as completed or failed, not {status.ToWire()}.");
        }

        if (referral.IsCancelledByReferrer || (referral.Status == status && referral.Outcome == outcome))
        {
            return [];
        }

        return referral.Status switch
        {
            ReferralStatus.Accepted or ReferralStatus.InProgress or ReferralStatus.OnHold =>
                [new ReferralClosed(referral.Id, by, status, outcome, summary, MessageBack.Compose(referral, outcome, summary), at)],
            ReferralStatus.Requested => throw new ReportedOutOfOrder("close before acceptance"),
            _ => throw new RuleViolation($"A {referral.Status.ToWire()} referral cannot be closed."),
        };
    }

    /// <summary>The referrer cancels; the API has checked that <paramref name="by"/> is the referrer.</summary>
    public static IReadOnlyList<object> Cancel(Referral referral, Actor by, CancellationReason reason, string? note, DateTimeOffset at)
    {
        if (by.OrganisationId != referral.ReferrerId)
        {
            throw new RuleViolation("Only the referrer can cancel a referral.");
        }

        if (referral.IsFinished)
        {
            throw new RuleViolation($"A {referral.Status.ToWire()} referral cannot be cancelled.");
        }

        return [new ReferralCancelled(referral.Id, by, reason, note, at)];
    }

    /// <summary>Any party may write at any time, also after the referral finished (questions about the outcome).</summary>
    public static IReadOnlyList<object> PostMessage(Referral referral, Actor by, string authorName, Guid messageId, string text, DateTimeOffset at) =>
        [new ReferralMessagePosted(referral.Id, messageId, by, authorName, text, at)];

    /// <summary>The feedback service lets only the link-worker service handling the referral record measures.</summary>
    public static IReadOnlyList<object> RecordMeasure(
        Referral referral, Guid outcomeId, string instrument, string timepoint, IReadOnlyDictionary<string, decimal> scores, DateTimeOffset at)
    {
        if (referral.LinkWorkerServiceId is not { } service)
        {
            throw new ReportedOutOfOrder("measure before routing");
        }

        if (referral.Measures.Any(m => m.OutcomeId == outcomeId))
        {
            return [];
        }

        return [new MeasureRecorded(referral.Id, new Actor(service, OrganisationKind.LinkWorkerService), outcomeId, instrument, timepoint, scores, at)];
    }

    public static IReadOnlyList<object> AcceptOnwardReferral(Referral referral, Actor by, Guid onwardReferralId, DateTimeOffset at)
    {
        var onward = HeldBy(referral, by, onwardReferralId, "accept");
        return onward.Status switch
        {
            OnwardReferralStatus.Requested or OnwardReferralStatus.Received => [new OnwardReferralAccepted(referral.Id, by, onwardReferralId, at)],
            OnwardReferralStatus.Accepted or OnwardReferralStatus.Cancelled => [],
            _ => throw new RuleViolation($"A {onward.Status.ToWire()} onward referral cannot be accepted."),
        };
    }

    public static IReadOnlyList<object> RejectOnwardReferral(Referral referral, Actor by, Guid onwardReferralId, string reason, string? note, DateTimeOffset at)
    {
        var onward = HeldBy(referral, by, onwardReferralId, "reject");
        return onward.Status switch
        {
            OnwardReferralStatus.Requested or OnwardReferralStatus.Received => [new OnwardReferralRejected(referral.Id, by, onwardReferralId, reason, note, at)],
            OnwardReferralStatus.Rejected or OnwardReferralStatus.Cancelled => [],
            _ => throw new RuleViolation($"A {onward.Status.ToWire()} onward referral cannot be rejected."),
        };
    }

    public static IReadOnlyList<object> RecordAttendance(Referral referral, Actor by, Guid onwardReferralId, DateOnly date, bool attended, DateTimeOffset at)
    {
        var onward = HeldBy(referral, by, onwardReferralId, "record attendance on");
        if (onward.Status == OnwardReferralStatus.Cancelled || onward.Attendances.Contains(new Attendance(date, attended)))
        {
            return [];
        }

        return onward.Status is OnwardReferralStatus.Accepted or OnwardReferralStatus.InProgress
            ? [new OnwardAttendanceRecorded(referral.Id, by, onwardReferralId, date, attended, at)]
            : throw new RuleViolation($"Attendance cannot be recorded on a {onward.Status.ToWire()} onward referral.");
    }

    public static IReadOnlyList<object> CompleteOnwardReferral(Referral referral, Actor by, Guid onwardReferralId, string? summary, DateTimeOffset at)
    {
        var onward = HeldBy(referral, by, onwardReferralId, "complete");
        return onward.Status switch
        {
            OnwardReferralStatus.Accepted or OnwardReferralStatus.InProgress => [new OnwardReferralCompleted(referral.Id, by, onwardReferralId, summary, at)],
            OnwardReferralStatus.Completed or OnwardReferralStatus.Cancelled => [],
            _ => throw new RuleViolation($"A {onward.Status.ToWire()} onward referral cannot be completed."),
        };
    }

    /// <summary>Failed by the provider, or expired unacknowledged (reason no-response).</summary>
    public static IReadOnlyList<object> FailOnwardReferral(Referral referral, Actor by, Guid onwardReferralId, string reason, DateTimeOffset at)
    {
        var onward = HeldBy(referral, by, onwardReferralId, "fail");
        return onward.Status switch
        {
            OnwardReferralStatus.Requested or OnwardReferralStatus.Received or OnwardReferralStatus.Accepted or OnwardReferralStatus.InProgress =>
                [new OnwardReferralFailed(referral.Id, by, onwardReferralId, reason, at)],
            OnwardReferralStatus.Failed or OnwardReferralStatus.Cancelled => [],
            _ => throw new RuleViolation($"A {onward.Status.ToWire()} onward referral cannot fail."),
        };
    }

    /// <summary>The acknowledgement deadline passed: the provider was nudged. Only an unacknowledged onward referral is.</summary>
    public static IReadOnlyList<object> RemindAboutOnwardReferral(Referral referral, Actor by, Guid onwardReferralId, DateTimeOffset at)
    {
        var onward = HeldBy(referral, by, onwardReferralId, "remind about");
        if (onward.RemindedAt is not null || onward.Status == OnwardReferralStatus.Cancelled)
        {
            return [];
        }

        return onward.Status == OnwardReferralStatus.Requested
            ? [new OnwardReferralReminded(referral.Id, by, onwardReferralId, at)]
            : throw new RuleViolation($"A {onward.Status.ToWire()} onward referral is not waiting for acknowledgement.");
    }

    /// <summary>Still unacknowledged after the reminder: escalated to the link worker.</summary>
    public static IReadOnlyList<object> EscalateOnwardReferral(Referral referral, Actor by, Guid onwardReferralId, DateTimeOffset at)
    {
        var onward = HeldBy(referral, by, onwardReferralId, "escalate");
        if (onward.EscalatedAt is not null || onward.Status == OnwardReferralStatus.Cancelled)
        {
            return [];
        }

        return onward.Status == OnwardReferralStatus.Requested
            ? [new OnwardReferralEscalated(referral.Id, by, onwardReferralId, at)]
            : throw new RuleViolation($"A {onward.Status.ToWire()} onward referral is not waiting for acknowledgement.");
    }

    /// <summary>
    /// Withdrawn by the link-worker service handling the referral, or confirmed cancelled by the provider
    /// holding it. One that finished first keeps its result: the two services crossed, and the finish stands.
    /// </summary>
    public static IReadOnlyList<object> CancelOnwardReferral(Referral referral, Actor by, Guid onwardReferralId, string reason, DateTimeOffset at)
    {
        var onward = referral.FindOnwardReferral(onwardReferralId) ?? throw new ReportedOutOfOrder("cancellation before the onward referral");
        if (by.OrganisationId != onward.Provider.Id && by.OrganisationId != referral.LinkWorkerServiceId)
        {
            throw new RuleViolation("Only the link-worker service handling the referral or the provider holding the onward referral can cancel it.");
        }

        return onward.IsFinished ? [] : [new OnwardReferralCancelled(referral.Id, by, onwardReferralId, onward.Provider.Id, reason, at)];
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
public sealed class ReportedOutOfOrder(string what) : Exception($"Out of order: {what}.");
