using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ReferralNetwork.Contracts;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.CommunityProviders.Inbox;

public sealed record RejectRequest(RejectionReason? Reason, string? Note);

public sealed record AttendanceRequest(DateOnly? Date, bool? Attended);

public sealed record CompleteRequest(string? Summary);

public sealed record FailRequest(string? Reason);

/// <summary>
/// The provider's inbox of onward referrals. Views carry only what the provider needs (name, contact,
/// needs, accessibility), never the NHS number, and no person at all once the provider rejected it, it
/// was cancelled, or it failed before the provider took it on. Commands answer with the updated onward referral and
/// its ETag; only the provider holding one sees it (anyone else gets 404).
/// </summary>
public static class ProviderReferralsApi
{
    public const int MaxSummaryLength = 4000;
    public const int MaxFailureReasonLength = 500;
    public const int MaxNoteLength = 1000;

    public static IEndpointRouteBuilder MapProviderReferralsApi(this IEndpointRouteBuilder app)
    {
        var inbox = app.MapGroup("/api/provider/referrals").RequireKinds(false, OrganisationKind.CommunityProvider).WithRequestValidation();
        inbox.MapGet("/", ListAsync);
        inbox.MapGet("/{id:guid}", GetAsync);
        inbox.MapPost("/{id:guid}/acknowledge", AcknowledgeAsync);
        inbox.MapPost("/{id:guid}/accept", AcceptAsync);
        inbox.MapPost("/{id:guid}/reject", RejectAsync);
        inbox.MapPost("/{id:guid}/attendance", RecordAttendanceAsync);
        inbox.MapPost("/{id:guid}/complete", CompleteAsync);
        inbox.MapPost("/{id:guid}/fail", FailAsync);
        return app;
    }

    public static async Task<Results<Ok<Paged<ProviderReferral>>, Ok<IReadOnlyList<ProviderReferral>>, ProblemHttpResult>> ListAsync(
        Caller caller, IQuerySession session, HttpContext http, [AsParameters] PageRequest paging, IOptions<AcknowledgementPolicy> policy, CancellationToken ct,
        string? status = null)
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

        var page = (await query.PageAsync(q => q.OrderBy(r => r.ReceivedAt).ThenBy(r => r.Id), paging.ForBareArray(), ct)).Select(r => r.AsSeenByProvider(policy.Value));
        if (paging.Asked)
        {
            return TypedResults.Ok(page);
        }

        return TypedResults.Ok(page.AsBareArray(http));
    }

    public static async Task<Results<Ok<ProviderReferral>, ProblemHttpResult>> GetAsync(
        Guid id, Caller caller, IQuerySession session, HttpResponse response, IOptions<AcknowledgementPolicy> policy, CancellationToken ct)
    {
        var found = await session.LoadAsync<ProviderReferral>(id, ct);
        if (found is null || found.ProviderId != caller.OrganisationId)
        {
            return Problems.NotFound("onward referral");
        }

        ETags.Set(response, found.Version);
        return TypedResults.Ok(found.AsSeenByProvider(policy.Value));
    }

    public static Task<Ok<ProviderReferral>> AcknowledgeAsync(
        Guid id, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, caller, session, http, current => ProviderReferralDecider.Decide(current, new AcknowledgeOnwardReferral(clock.GetUtcNow())), ct);

    public static Task<Ok<ProviderReferral>> AcceptAsync(
        Guid id, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, caller, session, http, current => ProviderReferralDecider.Decide(current, new AcceptOnwardReferral(clock.GetUtcNow())), ct);

    public static Task<Ok<ProviderReferral>> RejectAsync(
        Guid id, RejectRequest request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        var note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim();
        return ChangeAsync(id, caller, session, http,
            current => ProviderReferralDecider.Decide(current, new RejectOnwardReferral(request.Reason!.Value, note, clock.GetUtcNow())), ct);
    }

    public static Task<Ok<ProviderReferral>> RecordAttendanceAsync(
        Guid id, AttendanceRequest request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, caller, session, http,
            current => ProviderReferralDecider.Decide(current, new RecordAttendance(request.Date!.Value, request.Attended!.Value, clock.GetUtcNow())), ct);

    public static Task<Ok<ProviderReferral>> CompleteAsync(
        Guid id, CompleteRequest request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, caller, session, http,
            current => ProviderReferralDecider.Decide(current, new CompleteOnwardReferral(request.Summary!.Trim(), clock.GetUtcNow())), ct);

    public static Task<Ok<ProviderReferral>> FailAsync(
        Guid id, FailRequest request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, caller, session, http,
            current => ProviderReferralDecider.Decide(current, new FailOnwardReferral(request.Reason!.Trim(), clock.GetUtcNow())), ct);

    /// <summary>
    /// A command on one of the provider's own onward referrals (anyone else's is 404 before any version
    /// check). The service's places follow in the same transaction.
    /// </summary>
    private static async Task<Ok<ProviderReferral>> ChangeAsync(
        Guid id, Caller caller, IDocumentSession session, HttpContext http, Func<ProviderReferral, IReadOnlyList<object>> decide, CancellationToken ct) =>
        TypedResults.Ok((await http.ChangeAsync<ProviderReferral>(session, id, r => r.ProviderId == caller.OrganisationId, "onward referral", async current =>
        {
            var events = decide(current);
            await ServicePlaces.FollowAsync(session, current, events, ct);
            return events;
        }, ct)).AsSeenByProvider(http.RequestServices.GetRequiredService<IOptions<AcknowledgementPolicy>>().Value));
}

// The shape of each inbox command's body; whether the onward referral allows the command is ProviderReferralDecider's to say.

public sealed class RejectRequestValidator : AbstractValidator<RejectRequest>
{
    public RejectRequestValidator()
    {
        RuleFor(r => r.Reason).NotNull().WithMessage("Required: at-capacity, not-eligible, out-of-area or other.");
        RuleFor(r => r.Note).MaxText(ProviderReferralsApi.MaxNoteLength);
    }
}

public sealed class AttendanceRequestValidator : AbstractValidator<AttendanceRequest>
{
    /// <summary>
    /// Attendance is for sessions that have happened. The network is in England, where the date is at
    /// most an hour ahead of UTC (BST), so a date that is already today there is never refused.
    /// </summary>
    public AttendanceRequestValidator(TimeProvider clock)
    {
        RuleFor(r => r.Date)
            .NotNull().WithMessage("Required: the date of the session (yyyy-mm-dd).")
            .Must(date => date <= DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime.AddHours(1))).WithMessage("Must not be in the future.");
        RuleFor(r => r.Attended).NotNull().WithMessage("Required: true or false.");
    }
}

public sealed class CompleteRequestValidator : AbstractValidator<CompleteRequest>
{
    public CompleteRequestValidator() => RuleFor(r => r.Summary).RequiredText(ProviderReferralsApi.MaxSummaryLength);
}

public sealed class FailRequestValidator : AbstractValidator<FailRequest>
{
    public FailRequestValidator() => RuleFor(r => r.Reason).RequiredText(ProviderReferralsApi.MaxFailureReasonLength);
}
