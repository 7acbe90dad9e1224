namespace ReferralNetwork.CommunityProviders.Inbox;

/// <summary>
/// How long a provider has to acknowledge an onward referral (configuration section Acknowledgement),
/// each delay measured from its arrival; <see cref="CheckEvery"/> is how often overdue ones are looked for.
/// The defaults are the initialisers below; the rules are checked at start (Extensions.AddAcknowledgementPolicy).
/// </summary>
public sealed class AcknowledgementPolicy
{
    public const string Section = "Acknowledgement";

    public TimeSpan RemindAfter { get; init; } = TimeSpan.FromDays(2);

    public TimeSpan EscalateAfter { get; init; } = TimeSpan.FromDays(4);

    public TimeSpan ExpireAfter { get; init; } = TimeSpan.FromDays(7);

    public TimeSpan CheckEvery { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>The acknowledgement deadline of an onward referral, decided from its state alone (no timer kept anywhere).</summary>
public static class Deadlines
{
    /// <summary>
    /// The events due at <paramref name="now"/>, in order: reminder, escalation, expiry. After an outage
    /// several can be due at once; each step already taken is not taken again, and once the provider
    /// has acknowledged (or anything else has happened) nothing is due.
    /// </summary>
    public static IReadOnlyList<object> Due(ProviderReferral referral, DateTimeOffset now, AcknowledgementPolicy policy)
    {
        if (referral.Status != Contracts.OnwardReferralStatus.Requested)
        {
            return [];
        }

        var due = new List<object>();
        if (referral.RemindedAt is null && now >= referral.ReceivedAt + policy.RemindAfter)
        {
            due.Add(new OnwardReferralReminded(referral.Id, referral.ReferralId, referral.ProviderId, now));
        }

        if (referral.EscalatedAt is null && now >= referral.ReceivedAt + policy.EscalateAfter)
        {
            due.Add(new OnwardReferralEscalated(referral.Id, referral.ReferralId, referral.ProviderId, referral.LinkWorkerServiceId, now));
        }

        if (now >= referral.ReceivedAt + policy.ExpireAfter)
        {
            due.Add(new OnwardReferralExpired(referral.Id, referral.ReferralId, referral.ProviderId, now));
        }

        return due;
    }
}
