using System.Text.Json;
using ReferralNetwork.Contracts;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.Referrals.Referrals.Read;

namespace ReferralNetwork.Referrals.Feed;

/// <summary>One onward referral as the feed's audience follows it.</summary>
public sealed record OnwardHolding(Guid Id, Guid ProviderId, OnwardReferralStatus Status, bool TakenOn);

/// <summary>A partner event already written to the feed, and whose feeds it is in.</summary>
public sealed record FeedHistoryItem(FeedEvent Event, List<Guid> Readers);

/// <summary>
/// Who reads one referral's partner events, as of the last event the feed writer processed, with the
/// events so far so that a party joining later (the link-worker service at routing) catches up on
/// exactly the ones it has not had. Kept by <see cref="PartnerFeedWriter"/> alone.
/// </summary>
public sealed class ReferralAudience
{
    public Guid Id { get; set; }

    public Guid? ReferrerId { get; set; }

    public Guid? LinkWorkerServiceId { get; set; }

    /// <summary>Providers with access through an onward referral on this referral (as <c>Referral.IsProviderOf</c>).</summary>
    public List<Guid> Providers { get; set; } = [];

    /// <summary>Each onward referral as far as access goes: whose it is, its status, whether it was taken on.</summary>
    public List<OnwardHolding> Onward { get; set; } = [];

    public List<FeedHistoryItem> History { get; set; } = [];

    /// <summary>
    /// The person consented to the referrer being told everything. False until the request says so, so an
    /// audience kept before consent was followed gives its referrer the codes-only copy (fail closed).
    /// </summary>
    public bool ReferrerSeesFull { get; set; }

    /// <summary>
    /// Updates the audience for the event at <paramref name="sequence"/> and returns the feed entries
    /// it produces, positioned after everything earlier in the log.
    /// </summary>
    public IReadOnlyList<FeedEntry> Record(Guid eventId, long sequence, object data)
    {
        var entries = new List<FeedEntry>();
        var nextIndex = new Dictionary<Guid, int>();

        void Add(Guid reader, FeedHistoryItem item, FeedEvent? copy = null)
        {
            var index = nextIndex.GetValueOrDefault(reader);
            if (index >= FeedCursor.PositionsPerEvent)
            {
                throw new InvalidOperationException($"Referral {Id} has more partner events than one feed position range holds.");
            }

            nextIndex[reader] = index + 1;
            item.Readers.Add(reader);
            entries.Add(new FeedEntry(FeedEntry.IdFor(reader, item.Event.Id), reader, FeedCursor.PositionOf(sequence, index), copy ?? item.Event));
        }

        switch (data)
        {
            // Self-referrals have no referring organisation (Guid.Empty).
            case ReferralRequested requested when requested.By.OrganisationId != Guid.Empty:
                ReferrerId = requested.By.OrganisationId;
                ReferrerSeesFull = requested.Consent.ShareWithReferrer == ShareWithReferrer.Full;
                break;
            case LinkWorkerServiceAssigned assigned when assigned.LinkWorkerServiceId != LinkWorkerServiceId:
                LinkWorkerServiceId = assigned.LinkWorkerServiceId;
                // The new party catches up here, in log order, on what it has not been sent yet.
                foreach (var earlier in History.Where(h => !h.Readers.Contains(assigned.LinkWorkerServiceId)))
                {
                    Add(assigned.LinkWorkerServiceId, earlier);
                }

                break;
            case OnwardReferralAdded added:
                Onward.Add(new OnwardHolding(added.OnwardReferralId, added.ProviderId, OnwardReferralStatus.Requested, false));
                Follow(added.ProviderId);
                break;
            case OnwardReferralAccepted accepted:
                Move(accepted.OnwardReferralId, accepted.By.OrganisationId, OnwardReferralStatus.Accepted);
                break;
            case OnwardReferralRejected rejected:
                Move(rejected.OnwardReferralId, rejected.By.OrganisationId, OnwardReferralStatus.Rejected);
                break;
            case OnwardReferralFailed failed:
                Move(failed.OnwardReferralId, failed.By.OrganisationId, OnwardReferralStatus.Failed);
                break;
            case OnwardReferralCancelled cancelled:
                Move(cancelled.OnwardReferralId, cancelled.ProviderId, OnwardReferralStatus.Cancelled);
                break;
        }

        if (PartnerEvents.Describe(data) is not { } partner)
        {
            return entries;
        }

        // History keeps the whole event: a party joining later catches up on it, and it is never a referrer.
        var earlierGoals = data is MeasureRecorded ? GoalsSoFar() : [];
        var item = new FeedHistoryItem(ToFeedEvent(eventId, partner), []);
        History.Add(item);
        foreach (var reader in ReadersOf(partner))
        {
            if (reader == ReferrerId && GetsCodesOnly(reader, partner))
            {
                // The referrer's copy, reduced; an event with nothing for it is left out of its feed altogether.
                if (CodesOnly.Describe(data, earlierGoals) is { } reduced)
                {
                    Add(reader, item, ToFeedEvent(eventId, reduced));
                }

                continue;
            }

            Add(reader, item);
        }

        return entries;
    }

    private FeedEvent ToFeedEvent(Guid eventId, PartnerEvent partner) =>
        new(eventId, partner.Type, Id, partner.At, JsonSerializer.SerializeToElement(partner.Data, partner.Data.GetType(), FeedJson.Options));

    /// <summary>
    /// The referrer without full consent, unless it reads this event in another right: as the link-worker
    /// service, or as the provider the event is about (a community provider may also refer).
    /// </summary>
    private bool GetsCodesOnly(Guid reader, PartnerEvent partner) =>
        !ReferrerSeesFull && reader != LinkWorkerServiceId && !(partner.Audience == ExtraAudience.TheProvider && partner.Provider == reader);

    /// <summary>The goal names of each goal measure so far, in log order, so the referrer's labels stay put (<see cref="GoalLabels"/>).</summary>
    private List<IEnumerable<string>> GoalsSoFar()
    {
        var goals = new List<IEnumerable<string>>();
        foreach (var data in History.Where(h => h.Event.Type == "outcome.recorded").Select(h => h.Event.Data))
        {
            if (data.TryGetProperty("instrument", out var instrument) && instrument.ValueKind == JsonValueKind.String
                && CodesOnly.HasGoalKeys(instrument.GetString()!)
                && data.TryGetProperty("scores", out var scores) && scores.ValueKind == JsonValueKind.Object)
            {
                goals.Add(scores.EnumerateObject().Select(p => p.Name).ToList());
            }
        }

        return goals;
    }

    // Access changes here, before this event's readers are chosen: the event that ends a provider's
    // access still reaches it (it is about its own onward referral), nothing later does.
    private void Move(Guid onwardReferralId, Guid provider, OnwardReferralStatus status)
    {
        var index = Onward.FindIndex(o => o.Id == onwardReferralId);
        if (index < 0)
        {
            // An audience kept before onward referrals were followed: what it knows starts now.
            Onward.Add(new OnwardHolding(onwardReferralId, provider, status, status == OnwardReferralStatus.Accepted));
        }
        else
        {
            var held = Onward[index];
            Onward[index] = held with { Status = status, TakenOn = held.TakenOn || status == OnwardReferralStatus.Accepted };
        }

        Follow(Onward.First(o => o.Id == onwardReferralId).ProviderId);
    }

    private void Follow(Guid provider)
    {
        var keeps = Onward.Any(o => o.ProviderId == provider && OnwardAccess.Keeps(o.Status, o.TakenOn));
        Providers.Remove(provider);
        if (keeps)
        {
            Providers.Add(provider);
        }
    }

    private IEnumerable<Guid> ReadersOf(PartnerEvent partner)
    {
        var readers = new List<Guid> { FeedReaders.Operator };
        if (ReferrerId is { } referrer)
        {
            readers.Add(referrer);
        }

        if (LinkWorkerServiceId is { } linkWorkerService)
        {
            readers.Add(linkWorkerService);
        }

        switch (partner.Audience)
        {
            case ExtraAudience.TheProvider when partner.Provider is { } provider:
                readers.Add(provider);
                break;
            case ExtraAudience.EveryProvider:
                readers.AddRange(Providers);
                break;
        }

        // Guid.Empty is nobody's feed: an actor without an organisation (a self-referral, the system).
        return readers.Where(r => r != Guid.Empty).Distinct();
    }
}
