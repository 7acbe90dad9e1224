using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.CommunityProviders.Directory;

/// <summary>Places never go outside 0..maximum, whatever the order of acceptances and endings.</summary>
public static class Places
{
    /// <summary>An acceptance takes a place; at zero it still goes ahead (the link worker was warned), so it stays at zero.</summary>
    public static Capacity Use(Capacity capacity) => capacity with { Available = Math.Clamp(capacity.Available - 1, 0, Math.Max(capacity.Maximum, 0)) };

    /// <summary>An ending gives the place back, but never more than the maximum (the provider may have lowered it meanwhile).</summary>
    public static Capacity Free(Capacity capacity) => capacity with { Available = Math.Clamp(capacity.Available + 1, 0, Math.Max(capacity.Maximum, 0)) };
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
    /// What an onward referral's own events do to its service's places: an acceptance takes one; a
    /// completion, failure or cancellation of one that held a place (accepted or in progress) frees it;
    /// an at-capacity rejection is counted. Nothing is appended when the number would not change.
    /// </summary>
    public static IReadOnlyList<object> FollowOnwardReferral(CommunityService service, OnwardReferralStatus before, IEnumerable<object> onwardEvents)
    {
        var result = new List<object>();
        var listing = service.CurrentListing();
        var held = before is OnwardReferralStatus.Accepted or OnwardReferralStatus.InProgress;
        foreach (var e in onwardEvents)
        {
            switch (e)
            {
                case Inbox.OnwardReferralAccepted accepted:
                    held = true;
                    if (Places.Use(listing.Details.Capacity) is var used && used != listing.Details.Capacity)
                    {
                        listing = listing with { Details = listing.Details with { Capacity = used } };
                        result.Add(new PlaceTaken(service.Id, service.ProviderId, service.ProviderName, accepted.OnwardReferralId, listing, accepted.At));
                    }

                    break;
                case Inbox.OnwardReferralCompleted or Inbox.OnwardReferralFailed or Inbox.OnwardReferralCancelled when held:
                    held = false;
                    var (id, at) = e switch
                    {
                        Inbox.OnwardReferralCompleted x => (x.OnwardReferralId, x.At),
                        Inbox.OnwardReferralFailed x => (x.OnwardReferralId, x.At),
                        Inbox.OnwardReferralCancelled x => (x.OnwardReferralId, x.At),
                        _ => throw new InvalidOperationException(),
                    };
                    if (Places.Free(listing.Details.Capacity) is var freed && freed != listing.Details.Capacity)
                    {
                        listing = listing with { Details = listing.Details with { Capacity = freed } };
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

    // A defunct service is gone for good; the provider lists a new one rather than reviving it.
    private static void NotDefunct(CommunityService current, string verb)
    {
        if (current.Status == ServiceStatus.Defunct)
        {
            throw new RuleViolation($"This service is defunct; it can no longer be {verb}. List a new service instead.");
        }
    }
}
