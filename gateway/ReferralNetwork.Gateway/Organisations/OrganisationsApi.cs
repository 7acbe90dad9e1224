using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Gateway.Clients;
using ReferralNetwork.Gateway.RateLimiting;
using ReferralNetwork.Gateway.Tokens;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.Gateway.Organisations;

/// <summary>The organisation registry (partner-api.md §2): operator only.</summary>
public static class OrganisationsApi
{
    public static IEndpointRouteBuilder MapOrganisationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/admin/organisations")
            .RequireKinds(operatorToo: true)
            .RequireRateLimiting(RateLimits.PartnerPolicy)
            .WithTags("Organisations")
            .WithRequestValidation();

        api.MapPost("/", RegisterOrganisation).WithIdempotencyKey().WithName("RegisterOrganisation");
        api.MapGet("/", ListOrganisations).WithName("ListOrganisations");
        api.MapGet("/{id:guid}", GetOrganisation).WithName("GetOrganisation");
        api.MapPost("/{id:guid}/secret", RotateSecret).WithName("RotateClientSecret");
        api.MapPost("/{id:guid}/suspend", Suspend).WithName("SuspendOrganisation");
        api.MapPost("/{id:guid}/reinstate", Reinstate).WithName("ReinstateOrganisation");
        return app;
    }

    public static async Task<Created<RegisteredOrganisation>> RegisterOrganisation(
        RegisterOrganisationRequest request, IDocumentSession session, IdempotencyScope idempotency, TimeProvider clock, CancellationToken ct)
    {
        var registration = Registration.From(request);
        var id = Guid.CreateVersion7();
        var clientId = Registration.NewClientId(registration.Name);
        var secret = ClientSecret.Generate();
        var registered = Organisation.Register(registration, id, clientId, clock.GetUtcNow());

        session.Insert(new ClientCredential(clientId, id, ClientSecret.Hash(secret), registered.At));

        var location = $"/api/admin/organisations/{id}";
        var body = new RegisteredOrganisation(
            id, registered.Name, registered.Kind, registered.Area, registered.OdsCode, clientId, secret, registered.At);

        // A repeat with the same Idempotency-Key gets the same id and status but no secret: the
        // secret is shown once and stored only hashed. A caller who lost it rotates it (POST …/secret).
        idempotency.Remember(session, StatusCodes.Status201Created, location, body with { ClientSecret = null });
        await session.StartAsync<Organisation>(id, [registered], ct);
        return TypedResults.Created(location, body);
    }

    public static async Task<Results<Ok<Paged<OrganisationView>>, Ok<IReadOnlyList<OrganisationView>>>> ListOrganisations(
        IQuerySession session, HttpContext http, [AsParameters] PageRequest paging, CancellationToken ct)
    {
        var page = (await session.Query<Organisation>().PageAsync(q => q.OrderBy(o => o.Name).ThenBy(o => o.Id), paging.ForBareArray(), ct))
            .Select(OrganisationView.From);
        if (paging.Asked)
        {
            return TypedResults.Ok(page);
        }

        return TypedResults.Ok(page.AsBareArray(http));
    }

    public static async Task<Results<Ok<OrganisationView>, ProblemHttpResult>> GetOrganisation(Guid id, IQuerySession session, CancellationToken ct)
    {
        var organisation = await session.LoadAsync<Organisation>(id, ct);
        return organisation is null ? Problems.NotFound("organisation") : TypedResults.Ok(OrganisationView.From(organisation));
    }

    /// <summary>A new client secret for a partner that lost or leaked its own; the old one stops working at once.</summary>
    public static async Task<Ok<RotatedSecret>> RotateSecret(
        Guid id, IDocumentSession session, TokenRevocation revocation, TimeProvider clock, CancellationToken ct)
    {
        var secret = ClientSecret.Generate();
        var now = clock.GetUtcNow();
        var rotated = await ChangeAsync(session, revocation, id, organisation =>
        {
            // The new hash replaces the old in the same transaction as the event, so the old secret stops working at once.
            session.Store(new ClientCredential(organisation.ClientId, id, ClientSecret.Hash(secret), now));
            return [new ClientSecretRotated(id, now)];
        }, ct);
        return TypedResults.Ok(new RotatedSecret(id, rotated.ClientId, secret));
    }

    /// <summary>partner-api.md §10: no new tokens, and the ones it holds stop working at once.</summary>
    public static async Task<Ok<OrganisationView>> Suspend(
        Guid id, IDocumentSession session, TokenRevocation revocation, TimeProvider clock, CancellationToken ct)
    {
        var suspended = await ChangeAsync(session, revocation, id, organisation => organisation.Suspend(clock.GetUtcNow()), ct);
        return TypedResults.Ok(OrganisationView.From(suspended));
    }

    /// <summary>partner-api.md §10: the organisation may sign in again; tokens from before the suspension stay ended.</summary>
    public static async Task<Ok<OrganisationView>> Reinstate(
        Guid id, IDocumentSession session, TokenRevocation revocation, TimeProvider clock, CancellationToken ct)
    {
        var reinstated = await ChangeAsync(session, revocation, id, organisation => organisation.Reinstate(clock.GetUtcNow()), ct);
        return TypedResults.Ok(OrganisationView.From(reinstated));
    }

    /// <summary>
    /// The operator's change to an organisation, through the one write path; once committed, this gateway
    /// forgets its cached credential generation, so tokens issued before the change end on the next request.
    /// </summary>
    private static async Task<Organisation> ChangeAsync(
        IDocumentSession session, TokenRevocation revocation, Guid id, Func<Organisation, IReadOnlyList<object>> decide, CancellationToken ct)
    {
        var changed = await session.ChangeAsync<Organisation>(id, expectedVersion: null, isVisible: _ => true, "organisation", decide, ct);
        revocation.Forget(id);
        return changed.State;
    }
}
