using System.Text.Json;

namespace ReferralNetwork.Referrals.Feed;

/// <summary>One partner event as it appears in the event feed and in webhook bodies (partner-api.md §7).</summary>
public sealed record FeedEvent(Guid Id, string Type, Guid ReferralId, DateTimeOffset At, JsonElement Data);

/// <summary>
/// A partner event in one reader's feed. Id = "{reader}:{eventId}", so each event appears once per
/// reader and a replayed page overwrites rather than duplicates. <see cref="Position"/> only grows
/// within a reader's feed: it is what the cursor counts.
/// </summary>
public sealed record FeedEntry(string Id, Guid Reader, long Position, FeedEvent Event)
{
    public static string IdFor(Guid reader, Guid eventId) => $"{reader:N}:{eventId:N}";
}

/// <summary>Whose feed an entry is in: an organisation's id, or the operator's feed of everything.</summary>
public static class FeedReaders
{
    /// <summary>
    /// The operator sees every event, whichever operator organisation asks. Not Guid.Empty, which a
    /// self-referral has as its referrer.
    /// </summary>
    public static readonly Guid Operator = Guid.AllBitsSet;

    public static Guid For(PartnerApi.Authentication.Caller caller) => caller.IsOperator ? Operator : caller.OrganisationId;
}

/// <summary>The partner API's JSON conventions, for data stored once and served as-is by the feed and webhooks.</summary>
public static class FeedJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = Create();

    private static System.Text.Json.JsonSerializerOptions Create()
    {
        var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        ReferralNetwork.PartnerApi.PartnerApiExtensions.ConfigureJson(options);
        return options;
    }
}
