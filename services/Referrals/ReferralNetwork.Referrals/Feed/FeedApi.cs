using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.Referrals.Feed;

public sealed record FeedPage(IReadOnlyList<FeedEvent> Events, string Next);

/// <summary>GET /api/events: the caller's partner events in order, resumable from any cursor (partner-api.md §7).</summary>
public static class FeedApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public static IEndpointRouteBuilder MapFeedApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/events", ReadAsync);
        return app;
    }

    public static async Task<Results<Ok<FeedPage>, ProblemHttpResult>> ReadAsync(
        Caller caller, IQuerySession session, CancellationToken ct, string? after = null, int? limit = null)
    {
        if (!FeedCursor.TryParse(after, out var position))
        {
            return Problems.BadRequest("after must be a cursor returned as next by this feed.");
        }

        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit)
        {
            return Problems.BadRequest($"limit is 1 to {MaxLimit}.");
        }

        var reader = FeedReaders.For(caller);
        var entries = await session.Query<FeedEntry>()
            .Where(e => e.Reader == reader && e.Position > position)
            .OrderBy(e => e.Position)
            .Take(take)
            .ToListAsync(ct);

        // With nothing new the cursor stays put, so a partner simply keeps polling with it.
        var next = entries.Count > 0 ? entries[^1].Position : position;
        return TypedResults.Ok(new FeedPage(entries.Select(e => e.Event).ToList(), FeedCursor.Format(next)));
    }
}
