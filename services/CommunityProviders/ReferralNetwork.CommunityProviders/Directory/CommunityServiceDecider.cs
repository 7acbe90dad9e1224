using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.CommunityProviders.Directory;

/// <summary>
/// A service's places as a function of what is held, so no order of acceptances, endings and edits can make them
/// drift: free = maximum − held by accepted onward referrals − held back by the provider, never below zero.
/// <para>
/// The provider's figure (listing, edit or capacity change) says how many places are free now, all routes in
/// included. Places neither free nor held by an onward referral of ours are taken outside the network (people who came
/// another way, places closed for now); that number is kept, and the network's referrals then move the free places
/// around it. The figure cannot free a place an accepted onward referral holds: completing, failing or cancelling
/// it does, and a place freed by hand as well would be given back twice.
/// </para>
/// </summary>
public static class Places
{
    /// <summary>Free places: the maximum less those held and those held back, and none when they exceed it (over capacity).</summary>
    public static int Available(int maximum, int held, int heldBack) => Math.Max(0, maximum - held - heldBack);

    /// <summary>What the provider's figures say is taken outside the network, given the places held by onward referrals.</summary>
    public static int HeldBack(Capacity stated, int held) => Math.Max(0, stated.Maximum - stated.Available - held);

    /// <summary>The most places the provider can say are free: those no accepted onward referral holds.</summary>
    public static int MostFree(int maximum, int held) => Math.Max(0, maximum - held);

    /// <summary>Refuses a figure that would declare free a place an accepted onward referral holds (422 on <paramref name="field"/>).</summary>
    public static void MustNotFreeHeldPlaces(Capacity stated, int held, string field)
    {
        var mostFree = MostFree(stated.Maximum, held);
        if (stated.Available > mostFree)
        {
            throw new InvalidCommand(field,
                $"At most {mostFree}: {held} of the {stated.Maximum} places are held by onward referrals you accepted. "
                + "Completing, failing or cancelling one gives its place back.");
        }
    }
}

/// <summary>The provider rewrites the listing (PUT): details as validated from the request, and status.</summary>
public sealed record EditService(ServiceDetails Details, ServiceStatus Status, DateTimeOffset Now);

/// <summary>The provider says how many places are free and how long the wait is.</summary>
public sealed record ChangeCapacity(int Available, Waitlist Waitlist, DateTimeOffset Now);

/// <summary>The provider confirms the listing is still right.</summary>
public sealed record ConfirmListing(DateTimeOffset Now);

/// <summary>
/// Pure decisions on a listing: given the service and a command, the events that follow, or
/// <see cref="RuleViolation"/> (409) when the listing does not allow it and <see cref="InvalidCommand"/>
/// (422) when a field does not fit the listing as it stands.
/// </summary>
public static class CommunityServiceDecider
{
    public static IReadOnlyList<object> Decide(CommunityService current, EditService command)
    {
        NotDefunct(current, "edited");
        Places.MustNotFreeHeldPlaces(command.Details.Capacity, current.HeldBy().Count, "capacity.available");
        return [new ServiceEdited(current.Id, current.ProviderId, current.ProviderName,
            current.CurrentListing() with { Details = command.Details, Status = command.Status }, command.Now)];
    }

    public static IReadOnlyList<object> Decide(CommunityService current, ChangeCapacity command)
    {
        // Against the maximum as it stands now: the provider may have lowered it since reading the listing.
        var maximum = current.Details.Capacity.Maximum;
        if (command.Available < 0 || command.Available > maximum)
        {
            throw new InvalidCommand("available", $"Between 0 and the service's maximum ({maximum}).");
        }

        NotDefunct(current, "given capacity");
        Places.MustNotFreeHeldPlaces(new Capacity(maximum, command.Available), current.HeldBy().Count, "available");
        var listing = current.CurrentListing();
        return [new CapacityChanged(current.Id, current.ProviderId, current.ProviderName,
            listing with { Details = listing.Details with { Capacity = listing.Details.Capacity with { Available = command.Available } }, Waitlist = command.Waitlist },
            command.Now)];
    }

    public static IReadOnlyList<object> Decide(CommunityService current, ConfirmListing command)
    {
        NotDefunct(current, "confirmed");
        return [new ListingConfirmed(current.Id, current.ProviderId, current.ProviderName, current.CurrentListing() with { ConfirmedAt = command.Now }, command.Now)];
    }

    /// <summary>
    /// What an onward referral's own events do to its service's places: an acceptance takes one (beyond the maximum
    /// too: it holds one all the same); a completion, failure or cancellation of one holding a place frees it; an
    /// at-capacity rejection is counted. Taking and freeing go by the onward referral's id, so a repeat takes or frees
    /// nothing, and one that never held a place (accepted elsewhere, or before places were followed) frees none.
    /// </summary>
    public static IReadOnlyList<object> FollowOnwardReferral(CommunityService service, IEnumerable<object> onwardEvents)
    {
        var result = new List<object>();
        var listing = service.CurrentListing();
        var heldBy = service.HeldBy().ToHashSet();
        var heldBack = service.HeldBack();
        Listing After() => listing with
        {
            Details = listing.Details with
            {
                Capacity = listing.Details.Capacity with { Available = Places.Available(listing.Details.Capacity.Maximum, heldBy.Count, heldBack) },
            },
        };

        foreach (var e in onwardEvents)
        {
            switch (e)
            {
                case Inbox.OnwardReferralAccepted accepted when heldBy.Add(accepted.OnwardReferralId):
                    listing = After();
                    result.Add(new PlaceTaken(service.Id, service.ProviderId, service.ProviderName, accepted.OnwardReferralId, listing, accepted.At));
                    break;
                case Inbox.OnwardReferralCompleted or Inbox.OnwardReferralFailed or Inbox.OnwardReferralCancelled:
                    var (id, at) = e switch
                    {
                        Inbox.OnwardReferralCompleted x => (x.OnwardReferralId, x.At),
                        Inbox.OnwardReferralFailed x => (x.OnwardReferralId, x.At),
                        Inbox.OnwardReferralCancelled x => (x.OnwardReferralId, x.At),
                        _ => throw new InvalidOperationException(),
                    };
                    if (heldBy.Remove(id))
                    {
                        listing = After();
                        result.Add(new PlaceFreed(service.Id, service.ProviderId, service.ProviderName, id, listing, at));
                    }

                    break;
                case Inbox.OnwardReferralRejected { Reason: Inbox.RejectionReason.AtCapacity } rejected:
                    result.Add(new AtCapacityRejectionCounted(service.Id, rejected.OnwardReferralId, rejected.At));
                    break;
            }
        }

        return result;
    }

    /// <summary>Whether an onward referral's event can change its service: places taken or freed, rejections counted.</summary>
    public static bool ConcernsPlaces(object onwardEvent) => onwardEvent is Inbox.OnwardReferralAccepted or Inbox.OnwardReferralCompleted
        or Inbox.OnwardReferralFailed or Inbox.OnwardReferralCancelled or Inbox.OnwardReferralRejected;

    // A defunct service is gone for good; the provider lists a new one rather than reviving it.
    private static void NotDefunct(CommunityService current, string verb)
    {
        if (current.Status == ServiceStatus.Defunct)
        {
            throw new RuleViolation($"This service is defunct; it can no longer be {verb}. List a new service instead.");
        }
    }
}
