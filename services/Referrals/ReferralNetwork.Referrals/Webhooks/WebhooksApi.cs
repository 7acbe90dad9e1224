using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;
using ReferralNetwork.Referrals.Feed;

namespace ReferralNetwork.Referrals.Webhooks;

public sealed record CreateSubscriptionRequest(string? Url, IReadOnlyList<string>? EventTypes, string? Secret);

public sealed record SubscriptionView(Guid Id, string Url, IReadOnlyList<string> EventTypes, DateTimeOffset CreatedAt)
{
    public static SubscriptionView From(WebhookSubscription s) => new(s.Id, s.Url, s.EventTypes, s.CreatedAt);
}

public sealed record DeliveryView(Guid EventId, string EventType, DeliveryStatus Status, IReadOnlyList<DeliveryAttempt> Attempts, DateTimeOffset? NextAttemptAt)
{
    public static DeliveryView From(WebhookDelivery d) =>
        new(d.Event.Id, d.Event.Type, d.Status, d.Attempts, d.Status == DeliveryStatus.Pending ? d.DueAt : null);
}

/// <summary>Webhook subscriptions of the caller's organisation (partner-api.md §7); another organisation's are 404.</summary>
public static class WebhooksApi
{
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 200;
    private const int MaxDeliveriesShown = 500;

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var subscriptions = app.MapGroup("/api/subscriptions").WithRequestValidation();
        subscriptions.MapPost("/", CreateAsync).WithIdempotencyKey();
        subscriptions.MapGet("/", ListAsync);
        subscriptions.MapGet("/{id:guid}", GetAsync);
        subscriptions.MapDelete("/{id:guid}", DeleteAsync);
        subscriptions.MapGet("/{id:guid}/deliveries", ListDeliveriesAsync);
        return app;
    }

    public static async Task<Results<Created<SubscriptionView>, ProblemHttpResult>> CreateAsync(
        CreateSubscriptionRequest request, Caller caller, IDocumentSession session, IdempotencyScope idempotency, WebhookSecrets secrets,
        TimeProvider clock, CancellationToken ct)
    {
        // Counting and inserting under one lock per organisation, so concurrent requests cannot pass the limit together.
        var organisation = caller.OrganisationId;
        await session.BeginTransactionAsync(ct);
        await session.QueryAsync<bool>("select true from (select pg_advisory_xact_lock(?)) as locked", ct, SubscriptionLockKey(organisation));
        var held = await session.Query<WebhookSubscription>().CountAsync(s => s.OrganisationId == organisation, ct);
        if (SubscriptionLimit.Refusal(held) is { } refusal)
        {
            return Problems.Invalid("subscriptions", refusal);
        }

        var eventTypes = (request.EventTypes ?? []).Distinct(StringComparer.Ordinal).ToList();
        var subscription = new WebhookSubscription(
            Guid.CreateVersion7(), organisation, FeedReaders.For(caller), request.Url!, eventTypes, secrets.Protect(request.Secret!), clock.GetUtcNow());
        session.Insert(subscription);

        var view = SubscriptionView.From(subscription);
        var location = $"/api/subscriptions/{subscription.Id}";
        idempotency.Remember(session, StatusCodes.Status201Created, location, view);
        await session.SaveChangesAsync(ct);
        return TypedResults.Created(location, view);
    }

    /// <summary>An advisory lock key of the organisation's own; collisions only serialise two organisations' requests.</summary>
    private static long SubscriptionLockKey(Guid organisation) =>
        BitConverter.ToInt64(System.Security.Cryptography.SHA256.HashData(organisation.ToByteArray()), 0);

    public static async Task<Ok<IReadOnlyList<SubscriptionView>>> ListAsync(Caller caller, IQuerySession session, CancellationToken ct)
    {
        var organisation = caller.OrganisationId;
        var mine = await session.Query<WebhookSubscription>()
            .Where(s => s.OrganisationId == organisation)
            .OrderBy(s => s.CreatedAt)
            .ToListAsync(ct);
        return TypedResults.Ok<IReadOnlyList<SubscriptionView>>(mine.Select(SubscriptionView.From).ToList());
    }

    public static async Task<Results<Ok<SubscriptionView>, ProblemHttpResult>> GetAsync(
        Guid id, Caller caller, IQuerySession session, CancellationToken ct) =>
        await OwnAsync(id, caller, session, ct) is { } subscription
            ? TypedResults.Ok(SubscriptionView.From(subscription))
            : Problems.NotFound("subscription");

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, Caller caller, IDocumentSession session, CancellationToken ct)
    {
        if (await OwnAsync(id, caller, session, ct) is null)
        {
            return Problems.NotFound("subscription");
        }

        session.Delete<WebhookSubscription>(id);
        session.DeleteWhere<WebhookDelivery>(d => d.SubscriptionId == id);
        await session.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<IReadOnlyList<DeliveryView>>, ProblemHttpResult>> ListDeliveriesAsync(
        Guid id, Caller caller, IQuerySession session, CancellationToken ct)
    {
        if (await OwnAsync(id, caller, session, ct) is null)
        {
            return Problems.NotFound("subscription");
        }

        // The most recent deliveries, shown in feed order.
        var recent = await session.Query<WebhookDelivery>()
            .Where(d => d.SubscriptionId == id)
            .OrderByDescending(d => d.Position)
            .Take(MaxDeliveriesShown)
            .ToListAsync(ct);
        return TypedResults.Ok<IReadOnlyList<DeliveryView>>(recent.OrderBy(d => d.Position).Select(DeliveryView.From).ToList());
    }

    private static async Task<WebhookSubscription?> OwnAsync(Guid id, Caller caller, IQuerySession session, CancellationToken ct)
    {
        var subscription = await session.LoadAsync<WebhookSubscription>(id, ct);
        return subscription is not null && subscription.OrganisationId == caller.OrganisationId ? subscription : null;
    }
}

/// <summary>
/// A subscription's target must be an address the network may call (resolved now; delivery checks again
/// at connect time), its event types known, and its secret long enough to sign with.
/// </summary>
public sealed class CreateSubscriptionRequestValidator : AbstractValidator<CreateSubscriptionRequest>
{
    public CreateSubscriptionRequestValidator(IOptions<WebhookOptions> options)
    {
        RuleFor(r => r.Url).CustomAsync(async (url, context, ct) =>
        {
            if (await WebhookAddress.RefusalAfterResolvingAsync(url, options.Value.AllowLoopbackReceivers, ct) is { } refusal)
            {
                context.AddFailure(refusal);
            }
        });
        RuleFor(r => r.EventTypes).Custom((types, context) =>
        {
            foreach (var unknown in (types ?? []).Distinct(StringComparer.Ordinal).Where(t => !PartnerEventTypes.All.Contains(t)))
            {
                context.AddFailure($"Unknown event type '{unknown}'.");
            }
        });
        RuleFor(r => r.Secret).Must(secret => !string.IsNullOrEmpty(secret)).WithMessage("Required.")
            .Must(secret => secret!.Length is >= WebhooksApi.MinSecretLength and <= WebhooksApi.MaxSecretLength)
            .WithMessage($"{WebhooksApi.MinSecretLength} to {WebhooksApi.MaxSecretLength} characters.");
    }
}
