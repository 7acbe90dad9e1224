using System.Diagnostics.CodeAnalysis;

namespace ReferralNetwork.EventSourcing;

/// <summary>
/// The person who made a change, with the organisation they act for: recorded on every event their change
/// appends (Marten's <c>LastModifiedBy</c>, kept as the event's <c>user_name</c>) and carried with the
/// integration event to the services that record it in turn. A copy of the fact elsewhere names the same
/// person, and what a service does in reaction (routing a referral, say) names them too, as its cause; a
/// timeline shows the person only where they belong to the organisation the entry is by.
/// </summary>
/// <remarks>Ids only: a person's name stays with their organisation's accounts, not in the event logs.</remarks>
public readonly record struct ActingPerson(Guid OrganisationId, Guid PersonId)
{
    public override string ToString() => $"{OrganisationId:N}/{PersonId:N}";

    /// <summary>Reads what <see cref="ToString"/> wrote; anything else (nothing, a system's change) is no person.</summary>
    public static bool TryParse([NotNullWhen(true)] string? recorded, out ActingPerson person)
    {
        person = default;
        var slash = recorded?.IndexOf('/') ?? -1;
        if (slash < 0
            || !Guid.TryParseExact(recorded.AsSpan(0, slash), "N", out var organisation)
            || !Guid.TryParseExact(recorded.AsSpan(slash + 1), "N", out var id))
        {
            return false;
        }

        person = new ActingPerson(organisation, id);
        return true;
    }

    /// <summary>The person, when <paramref name="recorded"/> names one of <paramref name="organisationId"/>'s people.</summary>
    public static Guid? Of(string? recorded, Guid organisationId) =>
        TryParse(recorded, out var person) && person.OrganisationId == organisationId ? person.PersonId : null;
}
