using Marten;
using ReferralNetwork.CommunityProviders.Directory;

namespace ReferralNetwork.CommunityProviders.Inbox;

/// <summary>
/// Keeps a service's places in step with its onward referrals: the service stream is fetched for writing
/// in the same session as the onward referral, so both land in one SaveChanges (one transaction) or
/// neither does, and a concurrent change to either stream fails the whole command.
/// </summary>
public static class ServicePlaces
{
    public static async Task FollowAsync(IDocumentSession session, ProviderReferral before, IReadOnlyList<object> onwardEvents, CancellationToken ct)
    {
        if (onwardEvents.Count == 0)
        {
            return;
        }

        var stream = await session.Events.FetchForWriting<CommunityService>(before.ServiceId, ct);
        // An onward referral to a service not (or no longer) in this directory, or listed by someone
        // else, has no places here to follow.
        if (stream.Aggregate is not { } service || service.ProviderId != before.ProviderId)
        {
            return;
        }

        stream.AppendMany(CommunityServiceDecider.FollowOnwardReferral(service, before.Status, onwardEvents));
    }
}
