using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.ServiceDefaults.Http;

namespace ReferralNetwork.LinkWorkers.Cases;

/// <summary>Pure decisions on a case: state + command → events, or a refusal (409).</summary>
public static class CaseDecider
{
    public static CaseAccepted Accept(Case current, LinkWorker linkWorker, DateTimeOffset now)
    {
        if (current.Status != ReferralStatus.Requested)
        {
            throw new RuleViolation($"Only a requested case can be accepted; this one is {current.Status.ToWire()}.");
        }

        if (linkWorker.LinkWorkerServiceId != current.LinkWorkerServiceId)
        {
            throw new RuleViolation("The link worker does not belong to the service holding the case.");
        }

        return new CaseAccepted(current.Id, current.LinkWorkerServiceId, linkWorker.Id, linkWorker.Name, now);
    }

    public static ContactRecorded RecordContact(Case current, string outcome, DateTimeOffset contactedAt, DateTimeOffset now)
    {
        if (!current.IsActive)
        {
            throw new RuleViolation($"Contacts are recorded on accepted cases; this one is {current.Status.ToWire()}.");
        }

        return new ContactRecorded(current.Id, current.LinkWorkerServiceId, outcome, contactedAt, now);
    }

    public static OnwardReferralMade ReferOn(Case current, Guid onwardReferralId, DirectoryListing service, string? note, DateTimeOffset now)
    {
        if (!current.IsActive)
        {
            throw new RuleViolation($"Only an accepted case can be referred on; this one is {current.Status.ToWire()}.");
        }

        if (current.OnwardReferrals.Any(o => o.ServiceId == service.Id))
        {
            throw new RuleViolation("The person has already been referred to this service.");
        }

        return new OnwardReferralMade(current.Id, current.LinkWorkerServiceId, onwardReferralId, service.Id, service.Name, service.ProviderId, service.ProviderName, note,
            current.Needs, ProviderView(current.Person), now);
    }

    /// <summary>Only what a provider needs to reach and welcome the person: no NHS number, no date of birth.</summary>
    public static OnwardReferralPerson ProviderView(PersonDetails p) =>
        new(p.GivenName, p.FamilyName, p.Phone, p.Email, p.PreferredContact, p.Language, p.AccessibilityNeeds);
}
