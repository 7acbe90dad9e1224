using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.LinkWorkers.Cases;

/// <summary>
/// Pure decisions on a case: the current state and a command give the events that follow (none when
/// nothing changes), or a refusal: <see cref="RuleViolation"/> (409), <see cref="NotVisible"/> (404).
/// </summary>
public static class CaseDecider
{
    public static IReadOnlyList<object> Decide(Case current, AcceptCase command)
    {
        var (linkWorker, now) = command;
        if (current.Status != ReferralStatus.Requested)
        {
            throw new RuleViolation($"Only a requested case can be accepted; this one is {current.Status.ToWire()}.");
        }

        if (linkWorker.LinkWorkerServiceId != current.LinkWorkerServiceId)
        {
            throw new RuleViolation("The link worker does not belong to the service holding the case.");
        }

        return [new CaseAccepted(current.Id, current.LinkWorkerServiceId, linkWorker.Id, linkWorker.Name, now)];
    }

    public static IReadOnlyList<object> Decide(Case current, RecordContact command)
    {
        var (outcome, contactedAt, now) = command;
        if (!current.IsActive)
        {
            throw new RuleViolation($"Contacts are recorded on accepted cases; this one is {current.Status.ToWire()}.");
        }

        return [new ContactRecorded(current.Id, current.LinkWorkerServiceId, outcome, contactedAt, now)];
    }

    /// <summary>An assessment belongs to the work with the person, so only a case a link worker holds can take one.</summary>
    public static IReadOnlyList<object> Decide(Case current, RecordAssessment command)
    {
        var (whatMatters, needs, interests, barriers, now) = command;
        if (!current.IsActive)
        {
            throw new RuleViolation($"Assessments are recorded on accepted, in-progress or on-hold cases; this one is {current.Status.ToWire()}.");
        }

        return [new AssessmentRecorded(current.Id, current.LinkWorkerServiceId, whatMatters, needs, interests, barriers, now)];
    }

    public static IReadOnlyList<object> Decide(Case current, ReferOn command)
    {
        var (onwardReferralId, service, note, now) = command;
        if (!current.IsActive)
        {
            throw new RuleViolation($"Only an accepted case can be referred on; this one is {current.Status.ToWire()}.");
        }

        // Matching offers only the case's area; a service elsewhere would take its people out of their area's network.
        if (service.Area != current.Area)
        {
            throw new InvalidCommand("serviceId", "This service is in another area: refer only to services of the case's area.");
        }

        if (current.OnwardReferrals.Any(o => o.ServiceId == service.Id))
        {
            throw new RuleViolation("The person has already been referred to this service.");
        }

        return [new OnwardReferralMade(current.Id, current.LinkWorkerServiceId, onwardReferralId, service.Id, service.Name, service.ProviderId, service.ProviderName, note,
            current.Needs, ProviderView(current.Person), now)];
    }

    public static IReadOnlyList<object> Decide(Case current, RejectCase command)
    {
        var (reason, note, now) = command;
        if (current.Status != ReferralStatus.Requested)
        {
            throw new RuleViolation($"Only a requested case can be rejected; this one is {current.Status.ToWire()}.");
        }

        return [new CaseRejected(current.Id, current.LinkWorkerServiceId, reason, note, now)];
    }

    public static IReadOnlyList<object> Decide(Case current, PutCaseOnHold command)
    {
        var (note, now) = command;
        if (current.Status is not (ReferralStatus.Accepted or ReferralStatus.InProgress))
        {
            throw new RuleViolation($"Only an accepted or in-progress case can be put on hold; this one is {current.Status.ToWire()}.");
        }

        return [new CasePutOnHold(current.Id, current.LinkWorkerServiceId, current.Status, note, now)];
    }

    public static IReadOnlyList<object> Decide(Case current, ResumeCase command)
    {
        if (current.Status != ReferralStatus.OnHold)
        {
            throw new RuleViolation($"Only a case on hold can be resumed; this one is {current.Status.ToWire()}.");
        }

        // A hold only starts from accepted or in-progress; accepted is the safe fallback should that ever be unknown.
        return [new CaseResumed(current.Id, current.LinkWorkerServiceId, current.HeldFrom ?? ReferralStatus.Accepted, command.Now)];
    }

    public static IReadOnlyList<object> Decide(Case current, CloseCase command)
    {
        var (outcome, summary, now) = command;
        if (!current.IsActive)
        {
            throw new RuleViolation($"Only an accepted, in-progress or on-hold case can be closed; this one is {current.Status.ToWire()}.");
        }

        // Disengagement means the person could not be kept engaged: the referral failed rather than completed.
        var status = outcome == CaseOutcome.Disengaged ? ReferralStatus.Failed : ReferralStatus.Completed;
        return [new CaseClosed(current.Id, current.LinkWorkerServiceId, status, outcome, summary, now)];
    }

    public static IReadOnlyList<object> Decide(Case current, WithdrawOnwardReferral command)
    {
        var (onwardReferralId, note, now) = command;
        if (!current.IsActive)
        {
            throw new RuleViolation($"Onward referrals are withdrawn from accepted, in-progress or on-hold cases; this one is {current.Status.ToWire()}.");
        }

        var onward = current.OnwardReferral(onwardReferralId) ?? throw new NotVisible("onward referral");
        if (!onward.IsOpen)
        {
            throw new RuleViolation($"Only an open onward referral can be withdrawn; this one is {onward.Status.ToWire()}.");
        }

        return [new CaseOnwardReferralWithdrawn(current.Id, current.LinkWorkerServiceId, onward.Id, onward.ProviderId, WithdrawalReasons.Withdrawn, note, now)];
    }

    /// <summary>
    /// The referrer cancelled: the case follows (cancelled or entered-in-error) and every open onward
    /// referral is withdrawn so its provider hears. Not a refusable command but a fact from the referral's
    /// owner, so a finished case simply gets no events.
    /// </summary>
    public static IReadOnlyList<object> Decide(Case current, CancelCase command)
    {
        var (reason, note, now) = command;
        if (current.IsFinished)
        {
            return [];
        }

        var status = reason == "entered-in-error" ? ReferralStatus.EnteredInError : ReferralStatus.Cancelled;
        var events = new List<object> { new CaseCancelled(current.Id, current.LinkWorkerServiceId, status, reason, note, now) };
        events.AddRange(current.OnwardReferrals.Where(o => o.IsOpen).Select(o =>
            new CaseOnwardReferralWithdrawn(current.Id, current.LinkWorkerServiceId, o.Id, o.ProviderId, WithdrawalReasons.ReferralCancelled, null, now)));
        return events;
    }

    /// <summary>The provider acknowledged: received, unless a later report got here first.</summary>
    /// <summary>Recorded once: a redelivered or repeated report changes nothing.</summary>
    public static IReadOnlyList<object> Decide(Case current, MirrorArrival command) =>
        current.OnwardReferral(command.OnwardReferralId) is { ArrivedAt: null } onward
            ? [new OnwardReferralArrivalReported(current.Id, current.LinkWorkerServiceId, onward.Id, command.At)]
            : [];

    public static IReadOnlyList<object> Decide(Case current, MirrorAcknowledgement command) =>
        MirrorStatus(current, command.OnwardReferralId, OnwardReferralStatus.Received, null, command.At);

    /// <summary>
    /// A step the provider (or its acknowledgement deadline) took. Steps arrive on separate deliveries and can
    /// overtake each other, so the mirror only moves forward.
    /// </summary>
    public static IReadOnlyList<object> Decide(Case current, MirrorProgress command)
    {
        var (onwardReferralId, step, status, reason, at) = command;
        switch (step)
        {
            case OnwardReferralStep.Reminded:
                return []; // between the network and the provider; the link worker hears at escalation
            case OnwardReferralStep.Escalated:
                return current.OnwardReferral(onwardReferralId) is { Escalated: false } onward && onward.IsOpen
                    ? [new OnwardReferralEscalated(current.Id, current.LinkWorkerServiceId, onwardReferralId, at)]
                    : [];
            default:
                return MirrorStatus(current, onwardReferralId, status, reason, at);
        }
    }

    private static IReadOnlyList<object> MirrorStatus(Case current, Guid onwardReferralId, OnwardReferralStatus status, string? reason, DateTimeOffset at)
    {
        var onward = current.OnwardReferral(onwardReferralId);
        if (onward is null || Progress(status) <= Progress(onward.Status))
        {
            return [];
        }

        return [new OnwardReferralStatusReported(current.Id, current.LinkWorkerServiceId, onwardReferralId, status, reason, at)];
    }

    /// <summary>How far along its life an onward referral is; every finished status is furthest.</summary>
    private static int Progress(OnwardReferralStatus status) => status switch
    {
        OnwardReferralStatus.Requested => 0,
        OnwardReferralStatus.Received => 1,
        OnwardReferralStatus.Accepted => 2,
        OnwardReferralStatus.InProgress => 3,
        _ => 4,
    };

    /// <summary>Only what a provider needs to reach and welcome the person: no NHS number, no date of birth.</summary>
    public static OnwardReferralPerson ProviderView(PersonDetails p) =>
        new(p.GivenName, p.FamilyName, p.Phone, p.Email, p.PreferredContact, p.Language, p.AccessibilityNeeds);
}

