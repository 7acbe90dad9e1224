using JasperFx.Events;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.Referrals.Referrals.Read;

public sealed record TimelineEntry(long Sequence, string Type, DateTimeOffset At, TimelineActor By, string Summary);

/// <param name="PersonId">The person who acted for the organisation, when a person did (not a system) and they are its own.</param>
public sealed record TimelineActor(Guid OrganisationId, OrganisationKind Kind, Guid? PersonId);

/// <summary>A referral's story in order: every partner event on its stream (see <see cref="PartnerEvents"/>).</summary>
public static class Timeline
{
    /// <param name="codesOnly">The reader is a referrer without full consent: each entry as <see cref="CodesOnly"/> describes it.</param>
    public static IReadOnlyList<TimelineEntry> From(IReadOnlyList<IEvent> events, bool codesOnly = false) =>
        events
            .Select(e => (Event: e, Partner: codesOnly ? CodesOnly.Describe(e.Data, []) : PartnerEvents.Describe(e.Data)))
            .Where(x => x.Partner is not null)
            .Select(x => new TimelineEntry(
                x.Event.Version, x.Partner!.Type, x.Partner.At, new TimelineActor(x.Partner.By.OrganisationId, x.Partner.By.Kind, ActingPerson.Of(x.Event.UserName, x.Partner.By.OrganisationId)), x.Partner.Summary))
            .ToList();
}
