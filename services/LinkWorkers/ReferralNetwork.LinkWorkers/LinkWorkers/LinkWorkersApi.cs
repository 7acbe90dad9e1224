using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.ServiceDefaults.Auth;
using ReferralNetwork.ServiceDefaults.Http;

namespace ReferralNetwork.LinkWorkers.LinkWorkers;

public sealed record RegisterLinkWorkerRequest(string? Name, int? MaxActiveCases);

public sealed record LinkWorkerView(Guid Id, string Name, int MaxActiveCases, int ActiveCases);

public static class LinkWorkersApi
{
    public const int NameMaxLength = 100;

    public static IEndpointRouteBuilder MapLinkWorkersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/link-workers").RequireKinds(false, OrganisationKind.LinkWorkerService);
        group.MapPost("/", RegisterAsync).WithIdempotencyKey();
        group.MapGet("/", ListAsync);
        return app;
    }

    public static async Task<Results<Created<LinkWorkerView>, ProblemHttpResult>> RegisterAsync(
        RegisterLinkWorkerRequest request, Caller caller, IDocumentSession session, IdempotencyScope idempotency, TimeProvider clock, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Required("name", request.Name, NameMaxLength);
        if (request.MaxActiveCases is not (>= 1 and <= 500))
        {
            errors.Add("maxActiveCases", "Required: between 1 and 500.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var linkWorker = new LinkWorker(Guid.CreateVersion7(), caller.OrganisationId, request.Name!.Trim(), request.MaxActiveCases!.Value, clock.GetUtcNow());
        session.Insert(linkWorker);
        var view = new LinkWorkerView(linkWorker.Id, linkWorker.Name, linkWorker.MaxActiveCases, 0);
        var location = $"/api/link-workers/{linkWorker.Id}";
        idempotency.Remember(session, StatusCodes.Status201Created, location, view);
        await session.SaveChangesAsync(ct);
        return TypedResults.Created(location, view);
    }

    public static async Task<Ok<IReadOnlyList<LinkWorkerView>>> ListAsync(Caller caller, IQuerySession session, CancellationToken ct) =>
        TypedResults.Ok(await CaseloadsAsync(session, caller.OrganisationId, ct));

    /// <summary>Each link worker of the service with their active case count.</summary>
    public static async Task<IReadOnlyList<LinkWorkerView>> CaseloadsAsync(IQuerySession session, Guid linkWorkerServiceId, CancellationToken ct)
    {
        var workers = await session.Query<LinkWorker>().Where(w => w.LinkWorkerServiceId == linkWorkerServiceId).OrderBy(w => w.CreatedAt).ToListAsync(ct);
        var active = await session.Query<Case>()
            .Where(c => c.LinkWorkerServiceId == linkWorkerServiceId
                && (c.Status == ReferralStatus.Accepted || c.Status == ReferralStatus.InProgress || c.Status == ReferralStatus.OnHold))
            .ToListAsync(ct);
        return workers.Select(w => new LinkWorkerView(w.Id, w.Name, w.MaxActiveCases, active.Count(c => c.LinkWorkerId == w.Id))).ToList();
    }
}
