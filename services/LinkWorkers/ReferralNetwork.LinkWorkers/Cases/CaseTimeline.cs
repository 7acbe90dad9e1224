using JasperFx.Events;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.LinkWorkers.Cases;

/// <param name="Role">Whose step it was: <c>link-worker-service</c> (this service), <c>provider</c> or <c>referrer</c>.</param>
/// <param name="PersonId">The person who took it for that organisation, when a person did (not a system) and they are its own.</param>
public sealed record CaseTimelineActor(Guid OrganisationId, string Role, Guid? PersonId);

public sealed record CaseTimelineEntry(long Sequence, string Type, DateTimeOffset At, CaseTimelineActor By, string Summary);

/// <summary>
/// A case's story in order, for its link-worker service: who did what and when. Like the referral's timeline it
/// carries no person data and no free text (notes, what matters, summaries stay on the case itself).
/// </summary>
public static class CaseTimeline
{
    public const string Service = "link-worker-service";
    public const string Provider = "provider";
    public const string Referrer = "referrer";

    public static IReadOnlyList<CaseTimelineEntry> From(IReadOnlyList<IEvent> events)
    {
        var entries = new List<CaseTimelineEntry>();
        var onward = new Dictionary<Guid, (Guid ProviderId, string ServiceName)>();
        Guid service = Guid.Empty, referrer = Guid.Empty;
        foreach (var e in events)
        {
            if (e.Data is CaseOpened opened)
            {
                (service, referrer) = (opened.LinkWorkerServiceId, opened.ReferrerId);
            }
            else if (e.Data is OnwardReferralMade made)
            {
                onward[made.OnwardReferralId] = (made.ProviderId, made.ServiceName);
            }

            string NameOf(Guid id) => onward.TryGetValue(id, out var o) ? o.ServiceName : "an onward referral";
            Guid ProviderOf(Guid id) => onward.TryGetValue(id, out var o) ? o.ProviderId : Guid.Empty;

            (string Type, string Role, Guid By, string Summary, DateTimeOffset At)? entry = e.Data switch
            {
                CaseOpened o => ("case.opened", Service, service, $"Routed to this service ({o.Pathway.ToWire()}, {o.Urgency.ToWire()})", o.At),
                CaseAccepted a => ("case.accepted", Service, service, $"Accepted for link worker {a.LinkWorkerName}", a.At),
                ContactRecorded c => ("case.contact-recorded", Service, service, $"Contact: {c.Outcome}", c.At),
                AssessmentRecorded a => ("case.assessment-recorded", Service, service, $"Assessment recorded ({a.Needs.Count} needs)", a.At),
                OnwardReferralMade m => ("case.onward-referral-made", Service, service, $"Referred on to {m.ServiceName} ({m.ProviderName})", m.At),
                CaseRejected r => ("case.rejected", Service, service, $"Rejected: {r.Reason.ToWire()}", r.At),
                CasePutOnHold h => ("case.on-hold", Service, service, "Put on hold", h.At),
                CaseResumed r => ("case.resumed", Service, service, $"Resumed ({r.Status.ToWire()})", r.At),
                CaseClosed c => ("case.closed", Service, service, $"Closed: {c.Status.ToWire()}, {c.Outcome.ToWire()}", c.At),
                CaseCancelled c => ("case.cancelled", Referrer, referrer, $"Cancelled by the referrer ({c.Status.ToWire()})", c.At),
                CaseOnwardReferralWithdrawn w => ("case.onward-referral-withdrawn", Service, service, $"Onward referral to {NameOf(w.OnwardReferralId)} withdrawn ({w.Reason})", w.At),
                OnwardReferralArrivalReported a => ("case.onward-referral-arrived", Provider, ProviderOf(a.OnwardReferralId), $"Arrived at {NameOf(a.OnwardReferralId)}", a.At),
                OnwardReferralStatusReported s => ("case.onward-referral-progressed", Provider, ProviderOf(s.OnwardReferralId), $"{NameOf(s.OnwardReferralId)}: {s.Status.ToWire()}", s.At),
                OnwardReferralEscalated x => ("case.onward-referral-escalated", Provider, ProviderOf(x.OnwardReferralId), $"{NameOf(x.OnwardReferralId)} did not acknowledge in time", x.At),
                _ => null,
            };

            if (entry is { } found)
            {
                entries.Add(new CaseTimelineEntry(e.Version, found.Type, found.At, new CaseTimelineActor(found.By, found.Role, ActingPerson.Of(e.UserName, found.By)), found.Summary));
            }
        }

        return entries;
    }
}
