using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Services;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.Feedback.UserFeedback;

/// <summary>A service user's rating of a referral or a service (stream id = feedback id). <paramref name="By"/> is null from the public route.</summary>
public sealed record FeedbackGiven(Guid FeedbackId, Guid? ReferralId, Guid? ServiceId, int Rating, string? Comment, string? Area, Actor? By, DateTimeOffset At);

public sealed record ServiceUserFeedback(Guid Id, Guid? ReferralId, Guid? ServiceId, int Rating, string? Comment, string? Area, Actor? By, DateTimeOffset At)
{
    /// <summary>When it was given, in UTC ticks, for the report tables (<see cref="Reports.ReportTables"/>); never read back.</summary>
    public long ReportAtTicks => At.UtcTicks;

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
        app.MapPost("/api/feedback", GiveAsync).AllowAnonymous().WithRequestValidation().WithIdempotencyKey();
        return app;
    }

    public static async Task<Results<Created<FeedbackView>, ProblemHttpResult>> GiveAsync(
        GiveFeedbackRequest request, HttpContext http, IDocumentSession session, IdempotencyScope idempotency, TimeProvider clock, CancellationToken ct)
    {
        var caller = http.User.Identity?.IsAuthenticated == true ? Caller.From(http.User) : null;
        string? area = null;
        if (request.ReferralId is { } referralId)
        {
            var journey = await session.LoadAsync<ReferralJourney>(JourneyIds.For(referralId), ct);
            // The validator has refused a referral from the public route, so there is a caller here.
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

/// <summary>What the feedback is about, and the rating; who may name a referral depends on the token the request carries.</summary>
public sealed class GiveFeedbackRequestValidator : AbstractValidator<GiveFeedbackRequest>
{
    public GiveFeedbackRequestValidator(IHttpContextAccessor http)
    {
        RuleFor(r => r.ReferralId)
            .Must((r, referralId) => referralId is not null || r.ServiceId is not null).WithMessage("Give a referralId or a serviceId (or both).")
            // The public route must not become a way to probe which referrals exist.
            .Must(referralId => referralId is null || http.HttpContext?.User.Identity?.IsAuthenticated == true)
            .WithMessage("Feedback on a referral needs a partner token; the public route takes serviceId only.");
        RuleFor(r => r.Rating)
            .NotNull().WithMessage("Required: 1 to 5.")
            .InclusiveBetween(1, 5).WithMessage("From 1 to 5.");
        RuleFor(r => r.Comment).MaxText(FeedbackApi.MaxCommentLength);
    }
}
