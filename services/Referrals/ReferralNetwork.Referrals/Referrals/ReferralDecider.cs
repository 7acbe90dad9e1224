using ReferralNetwork.Contracts;
using ReferralNetwork.ServiceDefaults.Http;

namespace ReferralNetwork.Referrals.Referrals;

/// <summary>
/// Pure decisions on a referral: given its state and what another party reports, which events follow.
/// An empty result means the report is already reflected (a redelivery), so nothing changes.
/// </summary>
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
        if (referral.Status == ReferralStatus.Accepted && referral.LinkWorker?.Id == linkWorkerId)
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
        if (referral.OnwardReferrals.Any(o => o.Id == onwardReferralId))
        {
            return [];
        }

        if (referral.Status is not (ReferralStatus.Accepted or ReferralStatus.InProgress or ReferralStatus.OnHold))
        {
            throw referral.Status == ReferralStatus.Requested
                ? new ReportedOutOfOrder("onward referral before acceptance")
                : new RuleViolation($"A {referral.Status.ToWire()} referral cannot be referred on.");
        }

        return [new OnwardReferralAdded(referral.Id, by, onwardReferralId, serviceId, serviceName, providerId, providerName, at)];
    }

    public static IReadOnlyList<object> MarkOnwardReferralReceived(Referral referral, Actor by, Guid onwardReferralId, DateTimeOffset at)
    {
        var onward = referral.OnwardReferrals.FirstOrDefault(o => o.Id == onwardReferralId)
            ?? throw new ReportedOutOfOrder("acknowledgement before the onward referral");
        if (onward.Provider.Id != by.OrganisationId)
        {
            throw new RuleViolation("Only the provider holding the onward referral can acknowledge it.");
        }

        return onward.Status switch
        {
            OnwardReferralStatus.Requested => [new OnwardReferralReceived(referral.Id, by, onwardReferralId, at)],
            OnwardReferralStatus.Received => [],
            _ => throw new RuleViolation($"A {onward.Status.ToWire()} onward referral cannot be acknowledged."),
        };
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
