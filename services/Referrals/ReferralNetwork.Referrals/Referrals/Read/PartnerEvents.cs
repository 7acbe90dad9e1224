using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals.Read;

/// <summary>Who sees a partner event besides the referral's referrer and link-worker service (and the operator).</summary>
public enum ExtraAudience
{
    /// <summary>Only the referrer and the link-worker service.</summary>
    None,

    /// <summary>Also the provider holding the onward referral the event is about (<see cref="PartnerEvent.Provider"/>).</summary>
    TheProvider,

    /// <summary>Also every provider holding an onward referral for this referral (messages).</summary>
    EveryProvider,
}

/// <summary>
/// A referral-stream event as partners see it: the §7 type name, who did it, a summary with no person
/// data, and the data a partner integration needs. The timeline, the event feed and webhooks all
/// describe events through <see cref="PartnerEvents.Describe"/>, so they never disagree.
/// </summary>
public sealed record PartnerEvent(
    string Type, DateTimeOffset At, Actor By, string Summary, object Data, ExtraAudience Audience = ExtraAudience.None, Guid? Provider = null);

public static class PartnerEvents
{
    /// <summary>The partner view of a domain event on a referral stream, or null for internal bookkeeping.</summary>
    public static PartnerEvent? Describe(object data) => data switch
    {
        ReferralRequested r => new PartnerEvent("referral.requested", r.At, r.By,
            $"Referral requested by {r.ReferrerName} ({r.Pathway.ToWire()} pathway, {r.Urgency.ToWire()}) for {string.Join(", ", r.Needs)}.",
            new { status = ReferralStatus.Requested, pathway = r.Pathway, urgency = r.Urgency, needs = r.Needs, referrer = new { id = r.By.OrganisationId, name = r.ReferrerName } }),
        LinkWorkerAssigned r => new PartnerEvent("referral.accepted", r.At, r.By,
            $"Accepted; link worker {r.LinkWorkerName}.",
            new { status = ReferralStatus.Accepted, linkWorker = new { id = r.LinkWorkerId, name = r.LinkWorkerName } }),
        ContactAttemptRecorded r => new PartnerEvent("referral.contact-made", r.At, r.By,
            $"Contact attempt: {r.Outcome}.",
            new { outcome = r.Outcome, contactedAt = r.ContactedAt }),
        OnwardReferralAdded r => new PartnerEvent("onward-referral.requested", r.At, r.By,
            $"Referred on to {r.ServiceName} ({r.ProviderName}).",
            new
            {
                onwardReferralId = r.OnwardReferralId, status = OnwardReferralStatus.Requested, serviceId = r.ServiceId, serviceName = r.ServiceName,
                provider = new { id = r.ProviderId, name = r.ProviderName },
            },
            ExtraAudience.TheProvider, r.ProviderId),
        OnwardReferralReceived r => new PartnerEvent("onward-referral.received", r.At, r.By,
            "The community provider acknowledged the onward referral.",
            new { onwardReferralId = r.OnwardReferralId, status = OnwardReferralStatus.Received },
            ExtraAudience.TheProvider, r.By.OrganisationId),
        ReferralRejected r => new PartnerEvent("referral.rejected", r.At, r.By,
            $"Rejected by the link-worker service: {r.Reason}.",
            new { status = ReferralStatus.Rejected, reason = r.Reason, note = r.Note }),
        ReferralPutOnHold r => new PartnerEvent("referral.on-hold", r.At, r.By,
            "Put on hold.",
            new { status = ReferralStatus.OnHold, note = r.Note }),
        ReferralResumed r => new PartnerEvent("referral.resumed", r.At, r.By,
            $"Resumed ({r.ResumedAs.ToWire()}).",
            new { status = r.ResumedAs }),
        // The outcome and summary travel only inside the message back, which codes-only consent reduces to codes.
        ReferralClosed r => new PartnerEvent(r.Status == ReferralStatus.Failed ? "referral.failed" : "referral.completed", r.At, r.By,
            r.MessageBack.Outcome is null ? $"Closed: {r.Status.ToWire()}." : $"Closed: {r.Status.ToWire()} ({r.Outcome}).",
            new { status = r.Status, messageBack = r.MessageBack }),
        ReferralCancelled r => new PartnerEvent("referral.cancelled", r.At, r.By,
            $"Cancelled by the referrer: {r.Reason.ToWire()}.",
            new { status = r.Reason == CancellationReason.EnteredInError ? ReferralStatus.EnteredInError : ReferralStatus.Cancelled, reason = r.Reason, note = r.Note }),
        // The timeline summary leaves the text out: timelines carry no person data and free text may hold some.
        // The data carries it, because a partner following by feed or webhook needs the message itself, and
        // the message's audience (every party, providers included) is exactly who may read messages.
        ReferralMessagePosted r => new PartnerEvent("referral.message-posted", r.At, r.By,
            $"Message from {r.AuthorName}.",
            new { messageId = r.MessageId, text = r.Text, by = new { organisationId = r.By.OrganisationId, kind = r.By.Kind, name = r.AuthorName } },
            ExtraAudience.EveryProvider),
        MeasureRecorded r => new PartnerEvent("outcome.recorded", r.At, r.By,
            $"Measure recorded: {r.Instrument} ({r.Timepoint}).",
            new { outcomeId = r.OutcomeId, instrument = r.Instrument, timepoint = r.Timepoint, scores = r.Scores }),
        OnwardReferralAccepted r => new PartnerEvent("onward-referral.accepted", r.At, r.By,
            "The community provider accepted the onward referral.",
            new { onwardReferralId = r.OnwardReferralId, status = OnwardReferralStatus.Accepted },
            ExtraAudience.TheProvider, r.By.OrganisationId),
        OnwardReferralRejected r => new PartnerEvent("onward-referral.rejected", r.At, r.By,
            $"The community provider rejected the onward referral: {r.Reason}.",
            new { onwardReferralId = r.OnwardReferralId, status = OnwardReferralStatus.Rejected, reason = r.Reason, note = r.Note },
            ExtraAudience.TheProvider, r.By.OrganisationId),
        OnwardAttendanceRecorded r => new PartnerEvent("onward-referral.attendance-recorded", r.At, r.By,
            $"Attendance on {r.Date:yyyy-MM-dd}: {(r.Attended ? "attended" : "did not attend")}.",
            new { onwardReferralId = r.OnwardReferralId, date = r.Date, attended = r.Attended },
            ExtraAudience.TheProvider, r.By.OrganisationId),
        OnwardReferralCompleted r => new PartnerEvent("onward-referral.completed", r.At, r.By,
            "The community provider completed the onward referral.",
            new { onwardReferralId = r.OnwardReferralId, status = OnwardReferralStatus.Completed, summary = r.Summary },
            ExtraAudience.TheProvider, r.By.OrganisationId),
        OnwardReferralFailed r => new PartnerEvent("onward-referral.failed", r.At, r.By,
            $"The onward referral failed: {r.Reason}.",
            new { onwardReferralId = r.OnwardReferralId, status = OnwardReferralStatus.Failed, reason = r.Reason },
            ExtraAudience.TheProvider, r.By.OrganisationId),
        OnwardReferralReminded r => new PartnerEvent("onward-referral.reminder", r.At, r.By,
            "Not acknowledged in time: the community provider was reminded.",
            new { onwardReferralId = r.OnwardReferralId },
            ExtraAudience.TheProvider, r.By.OrganisationId),
        OnwardReferralEscalated r => new PartnerEvent("onward-referral.escalated", r.At, r.By,
            "Still not acknowledged: escalated to the link worker.",
            new { onwardReferralId = r.OnwardReferralId },
            ExtraAudience.TheProvider, r.By.OrganisationId),
        OnwardReferralCancelled r => new PartnerEvent("onward-referral.cancelled", r.At, r.By,
            $"The onward referral was cancelled ({r.Reason}).",
            new { onwardReferralId = r.OnwardReferralId, status = OnwardReferralStatus.Cancelled, reason = r.Reason },
            ExtraAudience.TheProvider, r.ProviderId),
        _ => null,
    };
}
