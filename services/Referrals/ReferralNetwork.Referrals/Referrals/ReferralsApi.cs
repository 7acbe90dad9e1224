using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.Referrals.Referrals.Read;
using ReferralNetwork.Referrals.Referrals.Submit;
using ReferralNetwork.ServiceDefaults.Auth;
using ReferralNetwork.ServiceDefaults.Http;

namespace ReferralNetwork.Referrals.Referrals;

public static class ReferralsApi
{
    private static readonly OrganisationKind[] Referrers =
    [
        OrganisationKind.GpPractice, OrganisationKind.SocialCare, OrganisationKind.SecondaryCare,
        OrganisationKind.CommunityProvider, OrganisationKind.OtherReferrer,
    ];

    public static IEndpointRouteBuilder MapReferralsApi(this IEndpointRouteBuilder app)
    {
        var referrals = app.MapGroup("/api/referrals");
        referrals.MapPost("/", SubmitAsync).RequireKinds(false, Referrers).WithIdempotencyKey();
        referrals.MapGet("/", ListAsync);
        referrals.MapGet("/{id:guid}", GetAsync);
        referrals.MapGet("/{id:guid}/timeline", GetTimelineAsync);
        return app;
    }

    public static async Task<Results<Created<ReferralView>, ProblemHttpResult>> SubmitAsync(
        SubmitReferralRequest request, Caller caller, IDocumentSession session, IdempotencyScope idempotency, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (valid, errors) = ReferralValidation.Validate(request, DateOnly.FromDateTime(now.UtcDateTime), now);
        if (valid is null)
        {
            return errors.ToProblem();
        }

        if (Pathways.ForReferrer(caller.Kind) is not { } pathway)
        {
            return Problems.Forbidden("Your organisation's kind cannot refer.");
        }

        var id = Guid.CreateVersion7();
        var requested = new ReferralRequested(
            id, pathway, caller.Area, caller.AsActor, caller.Name, valid.Needs, valid.Urgency, valid.Reason, valid.Person, valid.Consent, now);
        session.Events.StartStream<Referral>(id, requested);

        var view = ReferralView.From(Referral.Create(requested));
        var location = $"/api/referrals/{id}";
        idempotency.Remember(session, StatusCodes.Status201Created, location, view);
        await session.SaveChangesAsync(ct);
        return TypedResults.Created(location, view);
    }

    public static async Task<Results<Ok<ReferralView>, ProblemHttpResult>> GetAsync(
        Guid id, Caller caller, IQuerySession session, HttpResponse response, CancellationToken ct)
    {
        var referral = await session.LoadAsync<Referral>(id, ct);
        if (referral is null || !(caller.IsOperator || referral.IsPartyOf(caller.OrganisationId)))
        {
            return Problems.NotFound("referral");
        }

        ETags.Set(response, referral.Version);
        return TypedResults.Ok(ReferralView.From(referral));
    }

    public static async Task<Results<Ok<ReferralPage>, ProblemHttpResult>> ListAsync(
        Caller caller, IQuerySession session, CancellationToken ct,
        string? status = null, DateTimeOffset? updatedSince = null, int page = 1, int pageSize = 50)
    {
        if (!Problems.TryReadFilter<ReferralStatus>(status, out var wantedStatus))
        {
            return Problems.UnknownValue<ReferralStatus>("status");
        }

        if (page < 1 || pageSize is < 1 or > 500)
        {
            return Problems.Invalid("pageSize", "page starts at 1; pageSize is 1 to 500.");
        }

        IQueryable<Referral> query = session.Query<Referral>();
        if (!caller.IsOperator)
        {
            var organisation = caller.OrganisationId;
            query = query.Where(r => r.ReferrerId == organisation || r.LinkWorkerServiceId == organisation);
        }

        if (wantedStatus is { } wanted)
        {
            query = query.Where(r => r.Status == wanted);
        }

        if (updatedSince is { } since)
        {
            query = query.Where(r => r.UpdatedAt > since);
        }

        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(r => r.UpdatedAt).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return TypedResults.Ok(new ReferralPage(items.Select(ReferralView.From).ToList(), page, pageSize, total));
    }

    public static async Task<Results<Ok<IReadOnlyList<TimelineEntry>>, ProblemHttpResult>> GetTimelineAsync(
        Guid id, Caller caller, IQuerySession session, CancellationToken ct)
    {
        var referral = await session.LoadAsync<Referral>(id, ct);
        if (referral is null || !(caller.IsOperator || referral.IsPartyOf(caller.OrganisationId)))
        {
            return Problems.NotFound("referral");
        }

        var events = await session.Events.FetchStreamAsync(id, token: ct);
        return TypedResults.Ok(Timeline.From(events));
    }
}
