using System.Text.Json.Nodes;
using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;
using ReferralNetwork.Referrals.Referrals.Read;
using ReferralNetwork.Referrals.Referrals.Submit;

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
        var referrals = app.MapGroup("/api/referrals").WithRequestValidation();
        referrals.MapPost("/", SubmitAsync).RequireKinds(false, Referrers).WithIdempotencyKey()
            .AddOpenApiOperationTransformer(DescribeSubmitExampleAsync);
        referrals.MapGet("/", ListAsync);
        referrals.MapGet("/{id:guid}", GetAsync);
        referrals.MapGet("/{id:guid}/timeline", GetTimelineAsync);
        referrals.MapPost("/{id:guid}/cancel", CancelAsync);
        referrals.MapPost("/{id:guid}/messages", PostMessageAsync).WithIdempotencyKey();
        referrals.MapGet("/{id:guid}/messages", GetMessagesAsync);
        referrals.MapGet("/{id:guid}/messages/{messageId:guid}", GetMessageAsync);
        referrals.MapGet("/{id:guid}/message-back", GetMessageBackAsync);

        // Public: the gateway rate-limits it per client address. An anonymous caller has no organisation to
        // scope an Idempotency-Key to, so its key is scoped to the exact body as well: a retry that repeats both
        // gets the first answer (only an id), and nobody learns anything by reusing someone else's key.
        app.MapPost("/api/self-referrals", SubmitSelfReferralAsync).AllowAnonymous().WithRequestValidation()
            .WithIdempotencyKey(AnonymousKeys.ScopedToBody);
        return app;
    }

    /// <summary>The README walk-through's referral, so a partner's first request in /docs is a valid one.</summary>
    private static Task DescribeSubmitExampleAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (operation.RequestBody?.Content?.TryGetValue("application/json", out var json) == true)
        {
            json.Example = JsonNode.Parse("""
                {
                  "person": { "givenName": "Ada", "familyName": "Lovelace", "dateOfBirth": "1950-12-10",
                              "nhsNumber": "9434765919", "postcode": "L1 8JQ", "phone": "07700900123", "email": null,
                              "preferredContact": "phone", "language": "en", "accessibilityNeeds": "uses a wheelchair" },
                  "needs": ["loneliness", "physical-activity"],
                  "reason": "Recently bereaved, isolated since moving.",
                  "urgency": "routine",
                  "consent": { "given": true, "recordedAt": "2026-11-20T10:00:00Z", "shareWithReferrer": "full" }
                }
                """);
        }

        return Task.CompletedTask;
    }

    public static async Task<Results<Created<ReferralView>, ProblemHttpResult>> SubmitAsync(
        SubmitReferralRequest request, Caller caller, IDocumentSession session, HttpContext http, IdempotencyScope idempotency, TimeProvider clock,
        CancellationToken ct)
    {
        if (Pathways.ForReferrer(caller.Kind) is not { } pathway)
        {
            return Problems.Forbidden("Your organisation's kind cannot refer.");
        }

        var now = clock.GetUtcNow();
        var valid = ValidReferral.From(request);
        var id = Guid.CreateVersion7();
        var requested = new ReferralRequested(
            id, pathway, caller.Area, caller.AsActor, caller.Name, valid.Needs, valid.Urgency, valid.Reason, valid.Person, valid.Consent, now);
        IReadOnlyList<object> events = [requested];

        // The replayable response must commit with the stream, so it is built before the save: the referral
        // its first event creates, at the version a new stream starts at (as StartAsync reports it).
        var view = ReferralView.From(Referral.Create(requested) with { Version = events.Count });
        var location = $"/api/referrals/{id}";
        idempotency.Remember(session, StatusCodes.Status201Created, location, view);
        await http.StartAsync<Referral>(session, id, events, ct);
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
        return TypedResults.Ok(ViewFor(referral, caller));
    }

    public static async Task<Results<Ok<Paged<ReferralView>>, ProblemHttpResult>> ListAsync(
        Caller caller, IQuerySession session, [AsParameters] PageRequest paging, CancellationToken ct,
        string? status = null, DateTimeOffset? updatedSince = null)
    {
        if (!Problems.TryReadFilter<ReferralStatus>(status, out var wantedStatus))
        {
            return Problems.UnknownValue<ReferralStatus>("status");
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

        var page = await query.PageAsync(q => q.OrderByDescending(r => r.UpdatedAt).ThenBy(r => r.Id), paging, ct);
        return TypedResults.Ok(page.Select(r => ViewFor(r, caller)));
    }

    public static async Task<Results<Ok<Paged<TimelineEntry>>, Ok<IReadOnlyList<TimelineEntry>>, ProblemHttpResult>> GetTimelineAsync(
        Guid id, Caller caller, IQuerySession session, HttpContext http, [AsParameters] PageRequest paging, CancellationToken ct)
    {
        var referral = await session.LoadAsync<Referral>(id, ct);
        if (referral is null || !(caller.IsOperator || referral.IsPartyOf(caller.OrganisationId)))
        {
            return Problems.NotFound("referral");
        }

        var events = await session.Events.FetchStreamAsync(id, token: ct);
        return PageOf(Timeline.From(events, CodesOnlyFor(referral, caller)), paging, http);
    }

    public static async Task<Accepted<SelfReferralReceived>> SubmitSelfReferralAsync(
        SubmitSelfReferralRequest request, IDocumentSession session, IdempotencyScope idempotency, TimeProvider clock, CancellationToken ct)
    {
        var valid = ValidReferral.From(request);
        // No referring organisation: no id any caller has, so only the link-worker service and the operator see it.
        var id = Guid.CreateVersion7();
        var requested = new ReferralRequested(
            id, Pathway.SelfReferral, request.Area!, new Actor(Guid.Empty, OrganisationKind.OtherReferrer), SubmitSelfReferralRequestValidator.ReferrerName,
            valid.Needs, valid.Urgency, valid.Reason, valid.Person, valid.Consent, clock.GetUtcNow());
        // No ETag: the self-referrer cannot read what they sent. A retry with the same key and body is answered
        // with this, and it holds nothing but the id.
        var received = new SelfReferralReceived(id);
        idempotency.Remember(session, StatusCodes.Status202Accepted, null, received);
        await session.StartAsync<Referral>(id, [requested], ct);
        return TypedResults.Accepted((string?)null, received);
    }

    /// <summary>The referrer cancels while the referral is not finished; the relay tells the network (ReferralCancelled).</summary>
    public static async Task<Ok<ReferralView>> CancelAsync(
        Guid id, CancelReferralRequest request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        var cancelled = await http.ChangeAsync<Referral>(session, id, r => CanMessage(r, caller), "referral", referral =>
        {
            // Another party may read it, so it is told why (a stranger got 404 before this).
            if (referral.ReferrerId != caller.OrganisationId)
            {
                throw new NotPermitted("Only the referrer can cancel a referral.");
            }

            return ReferralDecider.Decide(referral, new CancelReferral(caller.AsActor, request.Reason!.Value, Blank(request.Note), clock.GetUtcNow()));
        }, ct);
        return TypedResults.Ok(ViewFor(cancelled, caller));
    }

    public static async Task<Created<ReferralMessage>> PostMessageAsync(
        Guid id, PostMessageRequest request, Caller caller, IDocumentSession session, HttpContext http, IdempotencyScope idempotency,
        TimeProvider clock, CancellationToken ct)
    {
        var messageId = Guid.CreateVersion7();
        var location = $"/api/referrals/{id}/messages/{messageId}";
        ReferralMessage? message = null;

        await http.ChangeAsync<Referral>(session, id, r => CanMessage(r, caller), "referral", referral =>
        {
            var posted = ReferralDecider.Decide(referral, new PostMessage(caller.AsActor, caller.Name, messageId, request.Text!.Trim(), clock.GetUtcNow()));
            message = ReferralMessage.From(posted.OfType<ReferralMessagePosted>().Single());
            // Decided just before the save, so the stored response commits with the message.
            idempotency.Remember(session, StatusCodes.Status201Created, location, message);
            return posted;
        }, ct);

        return TypedResults.Created(location, message ?? throw new InvalidOperationException("The message was saved without being decided."));
    }

    public static async Task<Results<Ok<Paged<ReferralMessage>>, Ok<IReadOnlyList<ReferralMessage>>, ProblemHttpResult>> GetMessagesAsync(
        Guid id, Caller caller, IQuerySession session, HttpContext http, [AsParameters] PageRequest paging, CancellationToken ct)
    {
        var referral = await session.LoadAsync<Referral>(id, ct);
        if (referral is null || !CanMessage(referral, caller))
        {
            return Problems.NotFound("referral");
        }

        var events = await session.Events.FetchStreamAsync(id, token: ct);
        return PageOf(ReferralMessage.From(events), paging, http);
    }

    // A referral's own history is read whole from its stream (its length is bounded by what partners can
    // append to one referral), then paged like every list; without page or pageSize a bare array of at most 500.
    private static Results<Ok<Paged<T>>, Ok<IReadOnlyList<T>>, ProblemHttpResult> PageOf<T>(IReadOnlyList<T> all, PageRequest paging, HttpContext http)
    {
        var page = all.ToPage(paging.ForBareArray());
        return paging.Asked ? TypedResults.Ok(page) : TypedResults.Ok(page.AsBareArray(http));
    }

    public static async Task<Results<Ok<ReferralMessage>, ProblemHttpResult>> GetMessageAsync(
        Guid id, Guid messageId, Caller caller, IQuerySession session, CancellationToken ct)
    {
        var referral = await session.LoadAsync<Referral>(id, ct);
        if (referral is null || !CanMessage(referral, caller))
        {
            return Problems.NotFound("referral");
        }

        var events = await session.Events.FetchStreamAsync(id, token: ct);
        return ReferralMessage.From(events).FirstOrDefault(m => m.Id == messageId) is { } message
            ? TypedResults.Ok(message)
            : Problems.NotFound("message");
    }

    /// <summary>The message back to the referrer and GP, once the referral has closed (completed or failed).</summary>
    public static async Task<Results<Ok<MessageBack>, ProblemHttpResult>> GetMessageBackAsync(
        Guid id, Caller caller, IQuerySession session, CancellationToken ct)
    {
        var referral = await session.LoadAsync<Referral>(id, ct);
        if (referral is null || !(caller.IsOperator || referral.IsPartyOf(caller.OrganisationId)))
        {
            return Problems.NotFound("referral");
        }

        if (referral.Status is not (ReferralStatus.Completed or ReferralStatus.Failed) || referral.Outcome is null)
        {
            return TypedResults.Problem(Problems.Details(StatusCodes.Status404NotFound, "There is no message back until the link worker closes the referral."));
        }

        // Composed from the current state, so measures recorded after the close are included ("measures so far").
        return TypedResults.Ok(MessageBack.Compose(referral, referral.Outcome, referral.Summary ?? ""));
    }

    /// <summary>The referrer without full consent reads codes only (partner-api.md §3); everyone else reads the referral whole.</summary>
    private static bool CodesOnlyFor(Referral referral, Caller caller) => !caller.IsOperator && referral.ShowsOnlyCodesTo(caller.OrganisationId);

    private static ReferralView ViewFor(Referral referral, Caller caller) =>
        CodesOnlyFor(referral, caller) ? ReferralView.CodesOnlyFrom(referral) : ReferralView.From(referral);

    /// <summary>Messages are between every party: besides the referral's readers, providers holding an onward referral for it.</summary>
    private static bool CanMessage(Referral referral, Caller caller) =>
        caller.IsOperator || referral.IsPartyOf(caller.OrganisationId) || referral.IsProviderOf(caller.OrganisationId);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    public const int MessageMaxLength = 4000;

    public const int NoteMaxLength = 2000;
}

public sealed record CancelReferralRequest(CancellationReason? Reason, string? Note);

public sealed record PostMessageRequest(string? Text);

public sealed class CancelReferralRequestValidator : AbstractValidator<CancelReferralRequest>
{
    public CancelReferralRequestValidator()
    {
        RuleFor(r => r.Reason).NotNull().WithMessage("Required: revoked or entered-in-error.");
        RuleFor(r => r.Note).MaxText(ReferralsApi.NoteMaxLength);
    }
}

public sealed class PostMessageRequestValidator : AbstractValidator<PostMessageRequest>
{
    public PostMessageRequestValidator() => RuleFor(r => r.Text).RequiredText(ReferralsApi.MessageMaxLength);
}
