using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.LinkWorkers.Network;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.LinkWorkers.Cases;

public sealed record AcceptCaseRequest(Guid? LinkWorkerId);

public sealed record RecordContactRequest(string? Outcome, DateTimeOffset? At);

public sealed record MakeOnwardReferralRequest(Guid? ServiceId, string? Note);

/// <summary>partner-api.md's { id, status }, with warnings the link worker should see (a service with no places now).</summary>
public sealed record OnwardReferralCreated(Guid Id, OnwardReferralStatus Status, IReadOnlyList<string> Warnings);

public sealed record RecordAssessmentRequest(string? WhatMatters, IReadOnlyList<string>? Needs, IReadOnlyList<string>? Interests, IReadOnlyList<string>? Barriers);

/// <summary>A case waiting for a link worker, and for how long.</summary>
public sealed record QueuedCase(
    Guid Id, Urgency Urgency, IReadOnlyList<string> Needs, string ReferrerName, DateTimeOffset WaitingSince, int WaitedHours, int WaitedDays);

public sealed record RejectCaseRequest(RejectionReason? Reason, string? Note);

public sealed record HoldCaseRequest(string? Note);

public sealed record CloseCaseRequest(CaseOutcome? Outcome, string? Summary);

public sealed record WithdrawOnwardReferralRequest(string? Note);

public static class CasesApi
{
    public static IEndpointRouteBuilder MapCasesApi(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/api/cases").RequireKinds(false, OrganisationKind.LinkWorkerService).WithRequestValidation();
        cases.MapGet("/", ListAsync);
        cases.MapGet("/queue", QueueAsync);
        cases.MapGet("/{id:guid}", GetAsync);
        cases.MapGet("/{id:guid}/timeline", GetTimelineAsync);
        cases.MapPost("/{id:guid}/assessment", RecordAssessmentAsync).WithIdempotencyKey();
        cases.MapGet("/{id:guid}/matches", MatchesAsync);
        cases.MapPost("/{id:guid}/accept", AcceptAsync).WithIdempotencyKey();
        cases.MapPost("/{id:guid}/contacts", RecordContactAsync).WithIdempotencyKey();
        cases.MapPost("/{id:guid}/onward-referrals", ReferOnAsync).WithIdempotencyKey();
        cases.MapPost("/{id:guid}/reject", RejectAsync).WithIdempotencyKey();
        cases.MapPost("/{id:guid}/hold", PutOnHoldAsync).WithIdempotencyKey();
        cases.MapPost("/{id:guid}/resume", ResumeAsync).WithIdempotencyKey();
        cases.MapPost("/{id:guid}/close", CloseAsync).WithIdempotencyKey();
        cases.MapPost("/{id:guid}/onward-referrals/{onwardReferralId:guid}/withdraw", WithdrawOnwardReferralAsync).WithIdempotencyKey();
        return app;
    }

    public const int NoteMaxLength = 2000;
    public const int SummaryMaxLength = 4000;
    public const int WhatMattersMaxLength = 4000;
    public const int MaxInterests = 20;
    public const int InterestMaxLength = 50;

    public static async Task<Results<Ok<Paged<Case>>, Ok<IReadOnlyList<Case>>, ProblemHttpResult>> ListAsync(
        Caller caller, IQuerySession session, HttpContext http, [AsParameters] PageRequest paging, CancellationToken ct, string? status = null)
    {
        if (!Problems.TryReadFilter<ReferralStatus>(status, out var wantedStatus))
        {
            return Problems.UnknownValue<ReferralStatus>("status");
        }

        var query = session.Query<Case>().Where(c => c.LinkWorkerServiceId == caller.OrganisationId);
        if (wantedStatus is { } wanted)
        {
            query = query.Where(c => c.Status == wanted);
        }

        var page = await query.PageAsync(q => q.OrderBy(c => c.OpenedAt).ThenBy(c => c.Id), paging.ForBareArray(), ct);
        if (paging.Asked)
        {
            return TypedResults.Ok(page);
        }

        return TypedResults.Ok(page.AsBareArray(http));
    }

    public static async Task<Results<Ok<Case>, ProblemHttpResult>> GetAsync(Guid id, Caller caller, IQuerySession session, HttpResponse response, CancellationToken ct)
    {
        var found = await session.LoadAsync<Case>(id, ct);
        if (found is null || found.LinkWorkerServiceId != caller.OrganisationId)
        {
            return Problems.NotFound("case");
        }

        ETags.Set(response, found.Version);
        return TypedResults.Ok(found);
    }

    public static async Task<Results<Ok<Paged<CaseTimelineEntry>>, Ok<IReadOnlyList<CaseTimelineEntry>>, ProblemHttpResult>> GetTimelineAsync(
        Guid id, Caller caller, IQuerySession session, HttpContext http, [AsParameters] PageRequest paging, CancellationToken ct)
    {
        var found = await session.LoadAsync<Case>(id, ct);
        if (found is null || found.LinkWorkerServiceId != caller.OrganisationId)
        {
            return Problems.NotFound("case");
        }

        var page = CaseTimeline.From(await session.Events.FetchStreamAsync(id, token: ct)).ToPage(paging.ForBareArray());
        return paging.Asked ? TypedResults.Ok(page) : TypedResults.Ok(page.AsBareArray(http));
    }

    public static async Task<Ok<Case>> AcceptAsync(
        Guid id, AcceptCaseRequest? request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        return TypedResults.Ok(await ChangeAsync(http, session, id, caller, async current =>
        {
            // The service's accepts take turns from here to the commit, so the loads read below include every case
            // accepted before and no other accept can give away the same place meanwhile (CaseloadLock). A named link
            // worker takes the same turn: the service's own choice may go beyond their maximum (the refusal below
            // suggests it), but an automatic choice running at the same time must see that case.
            await CaseloadLock.TakeAsync(session, caller.OrganisationId, ct);
            var linkWorker = request?.LinkWorkerId is { } chosen
                ? await session.LoadAsync<LinkWorker>(chosen, ct) is { } w && w.LinkWorkerServiceId == caller.OrganisationId
                    ? w
                    : throw new InvalidCommand("linkWorkerId", "No link worker with that id in your service.")
                : await LeastLoadedWithRoomAsync(session, caller.OrganisationId, clock.GetUtcNow(), ct)
                    ?? throw new RuleViolation(
                        "No link worker has room for another case, so the case stays in the waiting queue (GET /api/cases/queue) "
                        + "until someone has room; raise a link worker's maximum, add a link worker, or choose one explicitly.");
            return CaseDecider.Decide(current, new AcceptCase(linkWorker, clock.GetUtcNow()));
        }, ct));
    }

    /// <summary>
    /// The waiting queue: requested cases nobody has taken on yet, priority before routine, then longest waiting first,
    /// so the case to take next is at the top. A separate resource rather than ?status=requested, whose order is
    /// partner-api's (by arrival) and whose entries carry no waiting time.
    /// </summary>
    public static async Task<Results<Ok<Paged<QueuedCase>>, Ok<IReadOnlyList<QueuedCase>>>> QueueAsync(
        Caller caller, IQuerySession session, HttpContext http, [AsParameters] PageRequest paging, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        // Sorted in the database so only one page is read. Enums are stored as their names, and
        // "Priority" sorts before "Routine".
        var page = await session.Query<Case>()
            .Where(c => c.LinkWorkerServiceId == caller.OrganisationId && c.Status == ReferralStatus.Requested)
            .PageAsync(q => q.OrderBy(c => c.Urgency).ThenBy(c => c.OpenedAt).ThenBy(c => c.Id), paging.ForBareArray(), ct);
        var queue = page.Select(c =>
            {
                var waited = now - c.OpenedAt;
                return new QueuedCase(c.Id, c.Urgency, c.Needs, c.ReferrerName, c.OpenedAt, Math.Max(0, (int)waited.TotalHours), Math.Max(0, (int)waited.TotalDays));
            });
        if (paging.Asked)
        {
            return TypedResults.Ok(queue);
        }

        return TypedResults.Ok(queue.AsBareArray(http));
    }

    /// <summary>Records the assessment (a later one replaces the earlier). Barriers are strings so an unknown one is a 422 naming the allowed list.</summary>
    public static async Task<Ok<Case>> RecordAssessmentAsync(
        Guid id, RecordAssessmentRequest request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        var needs = (request.Needs ?? []).Distinct().ToList();
        var interests = (request.Interests ?? []).Select(i => i.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var barriers = (request.Barriers ?? []).Distinct().ToList();
        return TypedResults.Ok(await ChangeAsync(http, session, id, caller,
            current => CaseDecider.Decide(current, new RecordAssessment(request.WhatMatters!.Trim(), needs, interests, barriers, clock.GetUtcNow())), ct));
    }

    /// <summary>The area's community services ranked for this person, with reasons (see <see cref="Matching"/>).</summary>
    public static async Task<Results<Ok<IReadOnlyList<Match>>, ProblemHttpResult>> MatchesAsync(
        Guid id, Caller caller, IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        var found = await session.LoadAsync<Case>(id, ct);
        if (found is null || found.LinkWorkerServiceId != caller.OrganisationId)
        {
            return Problems.NotFound("case");
        }

        var now = clock.GetUtcNow();
        var listings = await session.Query<DirectoryListing>().Where(l => l.Area == found.Area).ToListAsync(ct);
        return TypedResults.Ok(Matching.Rank(MatchProfile.For(found, DateOnly.FromDateTime(now.UtcDateTime)), listings, now));
    }

    public static async Task<Ok<Case>> RecordContactAsync(
        Guid id, RecordContactRequest request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return TypedResults.Ok(await ChangeAsync(http, session, id, caller,
            current => CaseDecider.Decide(current, new RecordContact(request.Outcome!, request.At ?? now, now)), ct));
    }

    public static async Task<Results<Created<OnwardReferralCreated>, ProblemHttpResult>> ReferOnAsync(
        Guid id, MakeOnwardReferralRequest request, Caller caller, IDocumentSession session, IdempotencyScope idempotency,
        HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        var onwardReferralId = Guid.CreateVersion7();
        var location = $"/api/cases/{id}/onward-referrals/{onwardReferralId}";
        OnwardReferralCreated? created = null;
        await ChangeAsync(http, session, id, caller, async current =>
        {
            // Inside the write path, so someone else's case is 404 before anything about the service is said.
            var service = await session.LoadAsync<DirectoryListing>(request.ServiceId!.Value, ct)
                ?? throw new InvalidCommand("serviceId", "No service with that id in the community directory.");
            if (!service.TakesReferrals)
            {
                throw new InvalidCommand("serviceId", "This service is signpost-only: it does not take referrals; give the person its details instead.");
            }

            // A listing copied before providers were held to their own area still names the provider's registered area.
            if (await session.LoadAsync<AreaOrganisation>(service.ProviderId, ct) is { } provider && provider.Area != current.Area)
            {
                throw new InvalidCommand("serviceId", "This service's provider is in another area: refer only to services of the case's area.");
            }

            // At zero places the referral still goes (the provider may have a waitlist or a cancellation), but the link worker is told.
            IReadOnlyList<string> warnings = service.CapacityAvailable <= 0
                ? [$"{service.Name} has no places now ({Matching.WaitlistWords(service.Waitlist)})."]
                : [];
            created = new OnwardReferralCreated(onwardReferralId, OnwardReferralStatus.Requested, warnings);
            var events = CaseDecider.Decide(current, new ReferOn(onwardReferralId, service, request.Note, clock.GetUtcNow()));
            // Pending in the session, so it commits with the onward referral or not at all.
            idempotency.Remember(session, StatusCodes.Status201Created, location, created);
            return events;
        }, ct, remembered: false);
        return TypedResults.Created(location, created ?? throw new InvalidOperationException("The onward referral was saved without being decided."));
    }

    public static async Task<Ok<Case>> RejectAsync(
        Guid id, RejectCaseRequest request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        return TypedResults.Ok(await ChangeAsync(http, session, id, caller,
            current => CaseDecider.Decide(current, new RejectCase(request.Reason!.Value, request.Note, clock.GetUtcNow())), ct));
    }

    public static async Task<Ok<Case>> PutOnHoldAsync(
        Guid id, HoldCaseRequest? request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        return TypedResults.Ok(await ChangeAsync(http, session, id, caller,
            current => CaseDecider.Decide(current, new PutCaseOnHold(request?.Note, clock.GetUtcNow())), ct));
    }

    public static async Task<Ok<Case>> ResumeAsync(
        Guid id, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await ChangeAsync(http, session, id, caller, current => CaseDecider.Decide(current, new ResumeCase(clock.GetUtcNow())), ct));

    public static async Task<Ok<Case>> CloseAsync(
        Guid id, CloseCaseRequest request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        return TypedResults.Ok(await ChangeAsync(http, session, id, caller,
            current => CaseDecider.Decide(current, new CloseCase(request.Outcome!.Value, request.Summary!.Trim(), clock.GetUtcNow())), ct));
    }

    public static async Task<Ok<Case>> WithdrawOnwardReferralAsync(
        Guid id, Guid onwardReferralId, WithdrawOnwardReferralRequest? request, Caller caller, IDocumentSession session, HttpContext http,
        TimeProvider clock, CancellationToken ct)
    {
        return TypedResults.Ok(await ChangeAsync(http, session, id, caller,
            current => CaseDecider.Decide(current, new WithdrawOnwardReferral(onwardReferralId, request?.Note, clock.GetUtcNow())), ct));
    }

    /// <summary>
    /// One command on one of the caller's cases, through the one write path. Unless <paramref name="remembered"/> is
    /// false (the handler stores a response of its own), the case it leads to is kept, committed with its events, for a
    /// retry with the same Idempotency-Key: a retried contact is not recorded twice.
    /// </summary>
    private static Task<Case> ChangeAsync(
        HttpContext http, IDocumentSession session, Guid id, Caller caller, Func<Case, Task<IReadOnlyList<object>>> decide, CancellationToken ct,
        bool remembered = true) =>
        http.ChangeAsync<Case>(session, id, c => c.LinkWorkerServiceId == caller.OrganisationId, "case", async current =>
        {
            var events = await decide(current);
            if (remembered)
            {
                http.RequestServices.GetRequiredService<IdempotencyScope>()
                    .Remember(session, StatusCodes.Status200OK, null, events.Aggregate(current, (c, e) => c.After(e)));
            }
            return events;
        }, ct);

    private static Task<Case> ChangeAsync(
        HttpContext http, IDocumentSession session, Guid id, Caller caller, Func<Case, IReadOnlyList<object>> decide, CancellationToken ct) =>
        ChangeAsync(http, session, id, caller, current => Task.FromResult(decide(current)), ct);

    private static async Task<LinkWorker?> LeastLoadedWithRoomAsync(IDocumentSession session, Guid linkWorkerServiceId, DateTimeOffset now, CancellationToken ct)
    {
        var choice = Caseload.LeastLoadedWithRoom(await LinkWorkersApi.CaseloadsAsync(session, linkWorkerServiceId, now, ct));
        return choice is null ? null : await session.LoadAsync<LinkWorker>(choice.Id, ct);
    }
}
