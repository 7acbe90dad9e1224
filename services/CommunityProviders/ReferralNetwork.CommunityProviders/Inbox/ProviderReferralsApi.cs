using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.ServiceDefaults.Auth;
using ReferralNetwork.ServiceDefaults.Http;

namespace ReferralNetwork.CommunityProviders.Inbox;

/// <summary>
/// The provider's inbox of onward referrals. Views carry only what the provider needs (name, contact,
/// needs, accessibility), never the NHS number.
/// </summary>
public static class ProviderReferralsApi
{
    public static IEndpointRouteBuilder MapProviderReferralsApi(this IEndpointRouteBuilder app)
    {
        var inbox = app.MapGroup("/api/provider/referrals").RequireKinds(false, OrganisationKind.CommunityProvider);
        inbox.MapGet("/", ListAsync);
        inbox.MapGet("/{id:guid}", GetAsync);
        inbox.MapPost("/{id:guid}/acknowledge", AcknowledgeAsync);
        return app;
    }

    public static async Task<Results<Ok<IReadOnlyList<ProviderReferral>>, ProblemHttpResult>> ListAsync(
        Caller caller, IQuerySession session, CancellationToken ct, string? status = null)
    {
        if (!Problems.TryReadFilter<OnwardReferralStatus>(status, out var wantedStatus))
        {
            return Problems.UnknownValue<OnwardReferralStatus>("status");
        }

        var query = session.Query<ProviderReferral>().Where(r => r.ProviderId == caller.OrganisationId);
        if (wantedStatus is { } wanted)
        {
            query = query.Where(r => r.Status == wanted);
        }

        IReadOnlyList<ProviderReferral> found = await query.OrderBy(r => r.ReceivedAt).ToListAsync(ct);
        return TypedResults.Ok(found);
    }

    public static async Task<Results<Ok<ProviderReferral>, ProblemHttpResult>> GetAsync(
        Guid id, Caller caller, IQuerySession session, HttpResponse response, CancellationToken ct)
    {
        var found = await session.LoadAsync<ProviderReferral>(id, ct);
        if (found is null || found.ProviderId != caller.OrganisationId)
        {
            return Problems.NotFound("onward referral");
        }

        ETags.Set(response, found.Version);
        return TypedResults.Ok(found);
    }

    public static async Task<Results<Ok<ProviderReferral>, ProblemHttpResult>> AcknowledgeAsync(
        Guid id, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var expected))
        {
            return Problems.BadRequest("If-Match must be a version number as returned in ETag.");
        }

        var stream = expected is { } version
            ? await session.Events.FetchForWriting<ProviderReferral>(id, version, ct)
            : await session.Events.FetchForWriting<ProviderReferral>(id, ct);
        if (stream.Aggregate is not { } current || current.ProviderId != caller.OrganisationId)
        {
            return Problems.NotFound("onward referral");
        }

        var acknowledged = ProviderReferralDecider.Acknowledge(current, clock.GetUtcNow());
        stream.AppendOne(acknowledged);
        await session.SaveChangesAsync(ct);

        var next = current.Apply(acknowledged);
        ETags.Set(http.Response, next.Version);
        return TypedResults.Ok(next);
    }
}
