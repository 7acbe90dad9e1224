using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Services;
using ReferralNetwork.PartnerApi.Authentication;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.Feedback.UserFeedback;

/// <summary>A service user's rating of a referral or a service (stream id = feedback id). <paramref name="By"/> is null from the public route.</summary>
public sealed record FeedbackGiven(Guid FeedbackId, Guid? ReferralId, Guid? ServiceId, int Rating, string? Comment, string? Area, Actor? By, DateTimeOffset At);

public sealed record ServiceUserFeedback(Guid Id, Guid? ReferralId, Guid? ServiceId, int Rating, string? Comment, string? Area, Actor? By, DateTimeOffset At)
{
    public static ServiceUserFeedback Create(FeedbackGiven e) => new(e.FeedbackId, e.ReferralId, e.ServiceId, e.Rating, e.Comment, e.Area, e.By, e.At);
}

public sealed record GiveFeedbackRequest(Guid? ReferralId, Guid? ServiceId, int? Rating, string? Comment);

public sealed record FeedbackView(Guid Id, Guid? ReferralId, Guid? ServiceId, int Rating, string? Comment, DateTimeOffset At);

public static class FeedbackApi
{
    public const int MaxCommentLength = 2000;

    public static IEndpointRouteBuilder MapFeedbackApi(this IEndpointRouteBuilder app)
    {
        // Public as well as for parties: the gateway rate-limits the anonymous route per client address.
        app.MapPost("/api/feedback", GiveAsync).AllowAnonymous().WithIdempotencyKey();
        return app;
    }

    public static async Task<Results<Created<FeedbackView>, ProblemHttpResult>> GiveAsync(
        GiveFeedbackRequest request, HttpContext http, IDocumentSession session, IdempotencyScope idempotency, TimeProvider clock, CancellationToken ct)
    {
        var caller = http.User.Identity?.IsAuthenticated == true ? Caller.From(http.User) : null;
        var errors = new ValidationErrors();
        if (request.ReferralId is null && request.ServiceId is null)
        {
            errors.Add("referralId", "Give a referralId or a serviceId (or both).");
        }

        if (request.ReferralId is not null && caller is null)
        {
            // The public route must not become a way to probe which referrals exist.
            errors.Add("referralId", "Feedback on a referral needs a partner token; the public route takes serviceId only.");
        }

        if (request.Rating is null)
        {
            errors.Add("rating", "Required: 1 to 5.");
        }
        else if (request.Rating is < 1 or > 5)
        {
            errors.Add("rating", "From 1 to 5.");
        }

        errors.MaxLength("comment", request.Comment, MaxCommentLength);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        string? area = null;
        if (request.ReferralId is { } referralId)
        {
            var journey = await session.LoadAsync<ReferralJourney>(JourneyIds.For(referralId), ct);
            if (journey is null || !IsParty(journey, caller!.OrganisationId))
            {
                return Problems.NotFound("referral");
            }

            area = journey.Area;
        }

        if (request.ServiceId is { } serviceId)
        {
            var service = await session.LoadAsync<ListedService>(serviceId, ct);
            if (service is null)
            {
                return Problems.NotFound("service");
            }

            area ??= service.Area;
        }

        var given = new FeedbackGiven(
            Guid.CreateVersion7(), request.ReferralId, request.ServiceId, request.Rating!.Value,
            string.IsNullOrWhiteSpace(request.Comment) ? null : request.Comment.Trim(), area, caller?.AsActor, clock.GetUtcNow());
        var view = new FeedbackView(given.FeedbackId, given.ReferralId, given.ServiceId, given.Rating, given.Comment, given.At);
        var location = $"/api/feedback/{given.FeedbackId}";
        idempotency.Remember(session, StatusCodes.Status201Created, location, view);
        await session.StartAsync<ServiceUserFeedback>(given.FeedbackId, [given], ct);
        return TypedResults.Created(location, view);
    }

    /// <summary>The referrer, the link-worker service handling it, or a provider holding one of its onward referrals.</summary>
    public static bool IsParty(ReferralJourney journey, Guid organisationId) =>
        journey.ReferrerId == organisationId || journey.LinkWorkerServiceId == organisationId || journey.Onward.Any(o => o.ProviderId == organisationId);
}
