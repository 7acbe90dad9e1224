using Marten;
using ReferralNetwork.CommunityProviders.Directory;

namespace ReferralNetwork.CommunityProviders.Inbox;

/// <summary>
/// Keeps a service's places in step with its onward referrals: the service stream is fetched for writing
/// in the same session as the onward referral, so both land in one SaveChanges (one transaction) or
/// neither does.
/// <para>
/// The service stream is fetched exclusively (its row locked until the commit), so commands on different onward
/// referrals to one service take turns on it: each decides from the places as the one before left them. Fetched
/// optimistically, two acceptances at once read the same places and the second failed on the stream's version (a
/// 409 for a request about another onward referral). Only the service is locked, and always after the onward
/// referral was read, so two commands cannot wait on each other; one on the same onward referral still loses on
/// that stream's version.
/// </para>
/// </summary>
public static class ServicePlaces
{
    public static async Task FollowAsync(IDocumentSession session, ProviderReferral before, IReadOnlyList<object> onwardEvents, CancellationToken ct)
    {
        // An acknowledgement or an attendance cannot change the service's places: no need to wait for its lock.
        if (!onwardEvents.Any(CommunityServiceDecider.ConcernsPlaces))
        {
            return;
        }

        var stream = await session.Events.FetchForExclusiveWriting<CommunityService>(before.ServiceId, ct);
        // An onward referral to a service not (or no longer) in this directory, or listed by someone
        // else, has no places here to follow.
        if (stream.Aggregate is not { } service || service.ProviderId != before.ProviderId)
        {
            return;
        }

        stream.AppendMany(CommunityServiceDecider.FollowOnwardReferral(service, onwardEvents));
    }
}
