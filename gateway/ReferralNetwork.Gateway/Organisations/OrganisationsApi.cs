using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Gateway.Clients;
using ReferralNetwork.Gateway.RateLimiting;
using ReferralNetwork.PartnerApi.Authentication;
using ReferralNetwork.PartnerApi;

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

        session.Events.StartStream<Organisation>(id, registered);
        session.Insert(new ClientCredential(clientId, id, ClientSecret.Hash(secret), registered.At));

        var location = $"/api/admin/organisations/{id}";
        var body = new RegisteredOrganisation(
            id, registered.Name, registered.Kind, registered.Area, registered.OdsCode, clientId, secret, registered.At);

        // A repeat with the same Idempotency-Key gets the same id and status but no secret: the
        // secret is shown once and stored only hashed. A caller who lost it rotates it (POST …/secret).
        idempotency.Remember(session, StatusCodes.Status201Created, location, body with { ClientSecret = null });
        await session.SaveChangesAsync(ct);
        return TypedResults.Created(location, body);
    }

    public static async Task<Ok<IReadOnlyList<OrganisationView>>> ListOrganisations(IQuerySession session, CancellationToken ct)
    {
        var organisations = await session.Query<Organisation>().OrderBy(o => o.Name).ToListAsync(ct);
        return TypedResults.Ok<IReadOnlyList<OrganisationView>>(organisations.Select(OrganisationView.From).ToList());
    }

    public static async Task<Results<Ok<OrganisationView>, ProblemHttpResult>> GetOrganisation(Guid id, IQuerySession session, CancellationToken ct)
    {
        var organisation = await session.LoadAsync<Organisation>(id, ct);
        return organisation is null ? Problems.NotFound("organisation") : TypedResults.Ok(OrganisationView.From(organisation));
    }

    /// <summary>A new client secret for a partner that lost or leaked its own; the old one stops working at once.</summary>
    public static async Task<Results<Ok<RotatedSecret>, ProblemHttpResult>> RotateSecret(
        Guid id, IDocumentSession session, TimeProvider clock, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Organisation>(id, ct);
        if (stream.Aggregate is not { } organisation)
        {
            return Problems.NotFound("organisation");
        }

        var secret = ClientSecret.Generate();
        var now = clock.GetUtcNow();
        stream.AppendOne(new ClientSecretRotated(id, now));
        session.Store(new ClientCredential(organisation.ClientId, id, ClientSecret.Hash(secret), now));
        await session.SaveChangesAsync(ct);
        return TypedResults.Ok(new RotatedSecret(id, organisation.ClientId, secret));
    }
}
