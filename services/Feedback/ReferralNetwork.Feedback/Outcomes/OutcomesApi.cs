using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.Feedback.Outcomes;

public sealed record RecordOutcomeRequest(Guid? ReferralId, Instrument? Instrument, Timepoint? Timepoint, IReadOnlyList<int>? Responses, IReadOnlyList<GoalScore>? Goals);

/// <summary>GET /api/outcomes?referralId=…, as a record so its one rule is a validator's like a body's.</summary>
public sealed record OutcomesQuery(Guid? ReferralId);

public sealed record OutcomeView(Guid Id, Guid ReferralId, Instrument Instrument, Timepoint Timepoint, object Score, DateTimeOffset RecordedAt);

public sealed record ReferralOutcomesView(Guid ReferralId, IReadOnlyList<OutcomeView> Measures, IReadOnlyList<MeasureChange> Changes);

public static class OutcomesApi
{
    public static IEndpointRouteBuilder MapOutcomesApi(this IEndpointRouteBuilder app)
    {
        var outcomes = app.MapGroup("/api/outcomes").WithRequestValidation();
        outcomes.MapPost("/", RecordAsync).RequireKinds(false, OrganisationKind.LinkWorkerService).WithIdempotencyKey();
        outcomes.MapGet("/", ListAsync);
        return app;
    }

    public static async Task<Results<Created<OutcomeView>, ProblemHttpResult>> RecordAsync(
        RecordOutcomeRequest request, Caller caller, IDocumentSession session, IdempotencyScope idempotency, TimeProvider clock, CancellationToken ct)
    {
        var referralId = request.ReferralId!.Value;
        var parties = await session.LoadAsync<ReferralJourney>(JourneyIds.For(referralId), ct);
        if (parties is null || parties.LinkWorkerServiceId != caller.OrganisationId)
        {
            return Problems.NotFound("referral");
        }

        var recorded = new MeasureRecorded(
            Guid.CreateVersion7(), referralId, request.Instrument!.Value, request.Timepoint!.Value, request.Responses?.ToList(),
            request.Goals?.Select(g => g with { Goal = g.Goal.Trim() }).ToList(), caller.AsActor, clock.GetUtcNow());
        var view = new OutcomeView(recorded.OutcomeId, referralId, recorded.Instrument, recorded.Timepoint,
            Scoring.Score(recorded.Instrument, recorded.Responses, recorded.Goals), recorded.At);
        var location = $"/api/outcomes?referralId={referralId}";
        idempotency.Remember(session, StatusCodes.Status201Created, location, view);
        // The first measure starts the referral's outcome stream; who may add to it was checked on the journey above.
        if (await session.Events.FetchStreamStateAsync(referralId, ct) is null)
        {
            await session.StartAsync<ReferralOutcomes>(referralId, [recorded], ct);
        }
        else
        {
            await session.ChangeAsync<ReferralOutcomes>(referralId, null, _ => true, "referral", _ => [recorded], ct);
        }

        return TypedResults.Created(location, view);
    }

    public static async Task<Results<Ok<ReferralOutcomesView>, ProblemHttpResult>> ListAsync(
        [AsParameters] OutcomesQuery query, Caller caller, IQuerySession session, CancellationToken ct)
    {
        var id = query.ReferralId!.Value;
        var parties = await session.LoadAsync<ReferralJourney>(JourneyIds.For(id), ct);
        if (parties is null || !(caller.IsOperator || parties.LinkWorkerServiceId == caller.OrganisationId || parties.ReferrerId == caller.OrganisationId))
        {
            return Problems.NotFound("referral");
        }

        var outcomes = await session.LoadAsync<ReferralOutcomes>(id, ct);
        var measures = outcomes?.Measures ?? [];
        // The link-worker service and the operator see the goals as recorded; the referrer only with full consent.
        var handlesIt = caller.IsOperator || parties.LinkWorkerServiceId == caller.OrganisationId;
        if (!handlesIt && !parties.SharesFullWithReferrer)
        {
            measures = GoalLabels.WithoutGoalTexts(measures);
        }

        return TypedResults.Ok(new ReferralOutcomesView(
            id,
            measures.Select(m => new OutcomeView(m.Id, id, m.Instrument, m.Timepoint, Scoring.Score(m.Instrument, m.Responses, m.Goals), m.RecordedAt)).ToList(),
            OutcomeChange.For(measures)));
    }
}

/// <summary>A measure's fields; the items each instrument needs are <see cref="Scoring.Check"/>'s to say.</summary>
public sealed class RecordOutcomeRequestValidator : AbstractValidator<RecordOutcomeRequest>
{
    public RecordOutcomeRequestValidator()
    {
        RuleFor(r => r.ReferralId).Required();
        RuleFor(r => r.Instrument).NotNull().WithMessage("Required: swemwbs, wemwbs, ons4 or goals.");
        RuleFor(r => r.Timepoint).NotNull().WithMessage("Required: baseline or follow-up.");
        RuleFor(r => r).Custom((r, context) =>
        {
            foreach (var (field, message) in Scoring.Check(r.Instrument!.Value, r.Responses, r.Goals))
            {
                context.AddFailure(field, message);
            }
        }).When(r => r.Instrument is not null);
    }
}

public sealed class OutcomesQueryValidator : AbstractValidator<OutcomesQuery>
{
    public OutcomesQueryValidator() => RuleFor(q => q.ReferralId).Required();
}
