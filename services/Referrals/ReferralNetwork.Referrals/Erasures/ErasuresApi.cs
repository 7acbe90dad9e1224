using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.Referrals.Referrals.Submit;

namespace ReferralNetwork.Referrals.Erasures;

/// <summary>Exactly one of the two: a referral, or every referral about the person with this NHS number.</summary>
public sealed record RequestErasureRequest(Guid? ReferralId, string? NhsNumber);

/// <summary>partner-api.md §9, with who asked and when, and how many referrals it reached.</summary>
public sealed record ErasureView(
    Guid Id, string Status, IReadOnlyDictionary<string, string> Services, int Referrals, DateTimeOffset RequestedAt, DateTimeOffset? CompletedAt)
{
    public static ErasureView From(Erasure e) => new(
        e.Id,
        e.IsCompleted ? "completed" : "requested",
        Erasure.Services.ToDictionary(s => s, s => e.Completed.ContainsKey(s) ? "completed" : "pending"),
        e.ReferralIds.Count,
        e.RequestedAt,
        e.CompletedAt);
}

public static class ErasuresApi
{
    public static IEndpointRouteBuilder MapErasuresApi(this IEndpointRouteBuilder app)
    {
        var erasures = app.MapGroup("/api/admin/erasures").RequireKinds(operatorToo: true).WithRequestValidation();
        erasures.MapPost("/", RequestAsync).WithIdempotencyKey();
        erasures.MapGet("/{id:guid}", GetAsync);
        return app;
    }

    public static async Task<Results<Accepted<ErasureView>, ProblemHttpResult>> RequestAsync(
        RequestErasureRequest request, Caller caller, IDocumentSession session, IdempotencyScope idempotency, TimeProvider clock, CancellationToken ct)
    {
        IReadOnlyList<Guid> referrals;
        if (request.ReferralId is { } referralId)
        {
            if (await session.LoadAsync<Referral>(referralId, ct) is null)
            {
                return Problems.NotFound("referral");
            }

            referrals = [referralId];
        }
        else
        {
            // No match is still an erasure: it records that nothing was held, and later messages find nothing either.
            var nhsNumber = NhsNumber.Normalise(request.NhsNumber!);
            referrals = await session.Query<Referral>().Where(r => r.Person.NhsNumber == nhsNumber).Select(r => r.Id).ToListAsync(ct);
        }

        var id = Guid.CreateVersion7();
        var requested = new ErasureRequested(id, referrals, caller.AsActor, clock.GetUtcNow());
        var view = ErasureView.From(Erasure.Create(requested));
        var location = $"/api/admin/erasures/{id}";
        idempotency.Remember(session, StatusCodes.Status202Accepted, location, view);
        await session.StartAsync<Erasure>(id, [requested], ct);
        return TypedResults.Accepted(location, view);
    }

    public static async Task<Results<Ok<ErasureView>, ProblemHttpResult>> GetAsync(Guid id, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<Erasure>(id, ct) is { } erasure ? TypedResults.Ok(ErasureView.From(erasure)) : Problems.NotFound("erasure");
}

public sealed class RequestErasureRequestValidator : AbstractValidator<RequestErasureRequest>
{
    public RequestErasureRequestValidator()
    {
        RuleFor(r => r.ReferralId).NotNull().When(r => r.NhsNumber is null)
            .WithMessage("Required: a referralId or an nhsNumber.");
        RuleFor(r => r.NhsNumber).Null().When(r => r.ReferralId is not null)
            .WithMessage("Give a referralId or an nhsNumber, not both.");
        RuleFor(r => r.NhsNumber).Must(n => NhsNumber.IsValid(n!)).When(r => r.NhsNumber is not null)
            .WithMessage("Not a valid NHS number (ten digits with a modulus-11 check digit).");
    }
}
