using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.LinkWorkers.LinkWorkers;

/// <summary>A link worker as registered, and as changed later (the same fields).</summary>
public sealed record LinkWorkerRequest(string? Name, int? MaxActiveCases);

public static class LinkWorkersApi
{
    public const int NameMaxLength = 100;

    public static IEndpointRouteBuilder MapLinkWorkersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/link-workers").RequireKinds(false, OrganisationKind.LinkWorkerService).WithRequestValidation();
        group.MapPost("/", RegisterAsync).WithIdempotencyKey();
        group.MapGet("/", ListAsync);
        group.MapPut("/{id:guid}", UpdateAsync);
        return app;
    }

    public static async Task<Created<LinkWorkerView>> RegisterAsync(
        LinkWorkerRequest request, Caller caller, IDocumentSession session, IdempotencyScope idempotency, TimeProvider clock, CancellationToken ct)
    {
        var linkWorker = new LinkWorker(Guid.CreateVersion7(), caller.OrganisationId, request.Name!.Trim(), request.MaxActiveCases!.Value, clock.GetUtcNow());
        session.Insert(linkWorker);
        var view = Caseload.For(linkWorker, [], clock.GetUtcNow());
        var location = $"/api/link-workers/{linkWorker.Id}";
        idempotency.Remember(session, StatusCodes.Status201Created, location, view);
        await session.SaveChangesAsync(ct);
        return TypedResults.Created(location, view);
    }

    /// <summary>
    /// Renames a link worker or changes how many cases they can hold; a lower maximum takes effect for new cases only.
    /// Taken in turn with the service's accepts (<see cref="CaseloadLock"/>), so an accept deciding on the old maximum
    /// commits before the new one is read back, never after.
    /// </summary>
    public static async Task<Results<Ok<LinkWorkerView>, ProblemHttpResult>> UpdateAsync(
        Guid id, LinkWorkerRequest request, Caller caller, IDocumentSession session, TimeProvider clock, CancellationToken ct)
    {
        await CaseloadLock.TakeAsync(session, caller.OrganisationId, ct);
        var existing = await session.LoadAsync<LinkWorker>(id, ct);
        if (existing is null || existing.LinkWorkerServiceId != caller.OrganisationId)
        {
            return Problems.NotFound("link worker");
        }

        var updated = existing with { Name = request.Name!.Trim(), MaxActiveCases = request.MaxActiveCases!.Value };
        session.Store(updated);
        await session.SaveChangesAsync(ct);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(Caseload.For(updated, await CasesOfTheYearAsync(session, caller.OrganisationId, now, ct), now));
    }

    /// <summary>
    /// Caseloads are worked out from the service's cases, so the list is paged in memory after that;
    /// a service's link workers are a team, not an unbounded collection.
    /// </summary>
    public static async Task<Results<Ok<Paged<LinkWorkerView>>, Ok<IReadOnlyList<LinkWorkerView>>>> ListAsync(
        Caller caller, IQuerySession session, HttpContext http, [AsParameters] PageRequest paging, TimeProvider clock, CancellationToken ct)
    {
        var page = (await CaseloadsAsync(session, caller.OrganisationId, clock.GetUtcNow(), ct)).ToPage(paging.ForBareArray());
        if (paging.Asked)
        {
            return TypedResults.Ok(page);
        }

        return TypedResults.Ok(page.AsBareArray(http));
    }

    /// <summary>Each link worker of the service with their caseload, in the order they were registered.</summary>
    public static async Task<IReadOnlyList<LinkWorkerView>> CaseloadsAsync(IQuerySession session, Guid linkWorkerServiceId, DateTimeOffset now, CancellationToken ct)
    {
        var workers = await session.Query<LinkWorker>().Where(w => w.LinkWorkerServiceId == linkWorkerServiceId).OrderBy(w => w.CreatedAt).ToListAsync(ct);
        var cases = await CasesOfTheYearAsync(session, linkWorkerServiceId, now, ct);
        return workers.Select(w => Caseload.For(w, cases, now)).ToList();
    }

    /// <summary>The assigned cases that count towards any caseload: held now, or taken on within the year.</summary>
    private static async Task<IReadOnlyList<Case>> CasesOfTheYearAsync(IQuerySession session, Guid linkWorkerServiceId, DateTimeOffset now, CancellationToken ct)
    {
        var yearStart = Caseload.YearStart(now);
        return await session.Query<Case>()
            .Where(c => c.LinkWorkerServiceId == linkWorkerServiceId && c.LinkWorkerId != null
                && (c.Status == ReferralStatus.Accepted || c.Status == ReferralStatus.InProgress || c.Status == ReferralStatus.OnHold
                    || c.AcceptedAt > yearStart || (c.AcceptedAt == null && c.OpenedAt > yearStart)))
            .ToListAsync(ct);
    }
}

/// <summary>A link worker's name and how many cases they can hold, on registering and on every change.</summary>
public sealed class LinkWorkerRequestValidator : AbstractValidator<LinkWorkerRequest>
{
    public LinkWorkerRequestValidator()
    {
        RuleFor(r => r.Name).RequiredText(LinkWorkersApi.NameMaxLength);
        RuleFor(r => r.MaxActiveCases).Must(m => m is >= 1 and <= 500).WithMessage("Required: between 1 and 500.");
    }
}
