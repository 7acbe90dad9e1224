using JasperFx.Events;
using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals.Read;

public sealed record TimelineEntry(long Sequence, string Type, DateTimeOffset At, TimelineActor By, string Summary);

public sealed record TimelineActor(Guid OrganisationId, OrganisationKind Kind);

/// <summary>
/// A referral's story in order, with the event type names of partner-api.md §7. Summaries say what
/// happened and who did it, never anything about the person.
/// </summary>
public static class Timeline
{
    public static IReadOnlyList<TimelineEntry> From(IReadOnlyList<IEvent> events)
    {
        var entries = new List<TimelineEntry>();
        string? linkWorkerServiceName = null;
        foreach (var e in events)
        {
            var entry = e.Data switch
            {
                ReferralRequested r => Entry(e, "referral.requested", r.By, r.At,
                    $"Referral requested by {r.ReferrerName} ({r.Pathway.ToWire()} pathway, {r.Urgency.ToWire()}) for {string.Join(", ", r.Needs)}."),
                LinkWorkerServiceAssigned r => Remember(r.LinkWorkerServiceName),
                LinkWorkerAssigned r => Entry(e, "referral.accepted", r.By, r.At,
                    $"Accepted by {linkWorkerServiceName ?? "the link-worker service"}; link worker {r.LinkWorkerName}."),
                ContactAttemptRecorded r => Entry(e, "referral.contact-made", r.By, r.At,
                    $"Contact attempt: {r.Outcome}."),
                OnwardReferralAdded r => Entry(e, "onward-referral.requested", r.By, r.At,
                    $"Referred on to {r.ServiceName} ({r.ProviderName})."),
                OnwardReferralReceived r => Entry(e, "onward-referral.received", r.By, r.At,
                    "The community provider acknowledged the onward referral."),
                _ => null,
            };
            if (entry is not null)
            {
                entries.Add(entry);
            }
        }

        return entries;

        TimelineEntry? Remember(string name)
        {
            linkWorkerServiceName = name;
            return null;
        }
    }

    private static TimelineEntry Entry(IEvent e, string type, Actor by, DateTimeOffset at, string summary) =>
        new(e.Version, type, at, new TimelineActor(by.OrganisationId, by.Kind), summary);

}
