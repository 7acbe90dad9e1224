using JasperFx.Events;
using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals.Read;

public sealed record MessageAuthor(Guid OrganisationId, OrganisationKind Kind, string Name);

/// <summary>A message on a referral between its parties.</summary>
public sealed record ReferralMessage(Guid Id, string Text, DateTimeOffset At, MessageAuthor By)
{
    public static ReferralMessage From(ReferralMessagePosted e) => new(e.MessageId, e.Text, e.At, new MessageAuthor(e.By.OrganisationId, e.By.Kind, e.AuthorName));

    /// <summary>The messages on a referral stream, in the order they were posted.</summary>
    public static IReadOnlyList<ReferralMessage> From(IReadOnlyList<IEvent> events) =>
        events.Select(e => e.Data).OfType<ReferralMessagePosted>().Select(From).ToList();
}
