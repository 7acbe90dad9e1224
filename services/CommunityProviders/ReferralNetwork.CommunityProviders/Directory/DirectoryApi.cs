using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.ServiceDefaults.Auth;
using ReferralNetwork.ServiceDefaults.Http;

namespace ReferralNetwork.CommunityProviders.Directory;

public sealed record ServiceRequest(
    string? Name,
    string? Description,
    IReadOnlyList<string>? Categories,
    string? Area,
    string? Postcode,
    string? Schedule,
    Cost? Cost,
    Eligibility? Eligibility,
    IReadOnlyList<string>? Accessibility,
    ReferralMode? ReferralMode,
    Capacity? Capacity);

public sealed record ServiceView(
    Guid Id, Guid ProviderId, string ProviderName, string Name, string? Description, IReadOnlyList<string> Categories, string Area,
    string? Postcode, string? Schedule, Cost Cost, Eligibility Eligibility, IReadOnlyList<string> Accessibility, ReferralMode ReferralMode,
    Capacity Capacity, DateTimeOffset ConfirmedAt, long Version)
{
    public static ServiceView From(CommunityService s) => new(
        s.Id, s.ProviderId, s.ProviderName, s.Details.Name, s.Details.Description, s.Details.Categories, s.Details.Area, s.Details.Postcode,
        s.Details.Schedule, s.Details.Cost, s.Details.Eligibility, s.Details.Accessibility, s.Details.ReferralMode, s.Details.Capacity,
        s.ConfirmedAt, s.Version);
}

public static class DirectoryApi
{
    public static IEndpointRouteBuilder MapDirectoryApi(this IEndpointRouteBuilder app)
    {
        var services = app.MapGroup("/api/directory/services");
        services.MapPost("/", ListAsync).RequireKinds(false, OrganisationKind.CommunityProvider).WithIdempotencyKey();
        services.MapGet("/", SearchAsync);
        services.MapGet("/{id:guid}", GetAsync);
        return app;
    }

    public static async Task<Results<Created<ServiceView>, ProblemHttpResult>> ListAsync(
        ServiceRequest request, Caller caller, IDocumentSession session, IdempotencyScope idempotency, TimeProvider clock, CancellationToken ct)
    {
        var (details, errors) = ServiceValidation.Validate(request);
        if (details is null)
        {
            return errors.ToProblem();
        }

        var id = Guid.CreateVersion7();
        var listed = new ServiceListed(id, caller.OrganisationId, caller.Name, details, clock.GetUtcNow());
        session.Events.StartStream<CommunityService>(id, listed);
        var view = ServiceView.From(CommunityService.Create(listed));
        var location = $"/api/directory/services/{id}";
        idempotency.Remember(session, StatusCodes.Status201Created, location, view);
        await session.SaveChangesAsync(ct);
        return TypedResults.Created(location, view);
    }

    public static async Task<Ok<IReadOnlyList<ServiceView>>> SearchAsync(IQuerySession session, CancellationToken ct, string? category = null, string? area = null)
    {
        var query = session.Query<CommunityService>().AsQueryable();
        if (area is not null)
        {
            query = query.Where(s => s.Details.Area == area);
        }

        var services = await query.OrderBy(s => s.ListedAt).ToListAsync(ct);
        IReadOnlyList<ServiceView> found = services
            .Where(s => category is null || s.Details.Categories.Contains(category))
            .Select(ServiceView.From)
            .ToList();
        return TypedResults.Ok(found);
    }

    public static async Task<Results<Ok<ServiceView>, ProblemHttpResult>> GetAsync(Guid id, IQuerySession session, HttpResponse response, CancellationToken ct)
    {
        var service = await session.LoadAsync<CommunityService>(id, ct);
        if (service is null)
        {
            return Problems.NotFound("service");
        }

        ETags.Set(response, service.Version);
        return TypedResults.Ok(ServiceView.From(service));
    }
}

public static class ServiceValidation
{
    public static (ServiceDetails? Details, ValidationErrors Errors) Validate(ServiceRequest r)
    {
        var errors = new ValidationErrors();
        errors.Required("name", r.Name, 200);
        errors.MaxLength("description", r.Description, 4000);
        var categories = r.Categories ?? [];
        if (categories.Count == 0)
        {
            errors.Add("categories", "At least one category from the needs vocabulary is required.");
        }

        for (var i = 0; i < categories.Count; i++)
        {
            if (!Needs.IsKnown(categories[i]))
            {
                errors.Add($"categories[{i}]", $"Not in the needs vocabulary: {string.Join(", ", Needs.All)}.");
            }
        }

        errors.Required("area", r.Area, 64);
        errors.MaxLength("postcode", r.Postcode, 10);
        errors.MaxLength("schedule", r.Schedule, 500);
        if (r.Cost is null)
        {
            errors.Add("cost", "Required: free, paid or donation.");
        }

        if (r.ReferralMode is null)
        {
            errors.Add("referralMode", "Required: direct or signpost.");
        }

        var eligibility = r.Eligibility ?? new Eligibility(null, null);
        if (eligibility.MinAge is < 0 or > 120)
        {
            errors.Add("eligibility.minAge", "Between 0 and 120.");
        }

        if (eligibility.MaxAge is < 0 or > 120)
        {
            errors.Add("eligibility.maxAge", "Between 0 and 120.");
        }

        if (eligibility.MinAge > eligibility.MaxAge)
        {
            errors.Add("eligibility", "minAge must not exceed maxAge.");
        }

        var accessibility = r.Accessibility ?? [];
        if (accessibility.Count > 20 || accessibility.Any(a => string.IsNullOrWhiteSpace(a) || a.Length > 100))
        {
            errors.Add("accessibility", "At most 20 entries of 1 to 100 characters.");
        }

        if (r.Capacity is not { } capacity)
        {
            errors.Add("capacity", "Required: maximum and available places.");
        }
        else if (capacity.Maximum < 0 || capacity.Available < 0 || capacity.Available > capacity.Maximum)
        {
            errors.Add("capacity", "maximum and available are 0 or more, and available is at most maximum.");
        }

        if (errors.Any)
        {
            return (null, errors);
        }

        return (new ServiceDetails(
            r.Name!.Trim(), r.Description?.Trim(), categories.Distinct().ToList(), r.Area!.Trim(), r.Postcode?.Trim().ToUpperInvariant(),
            r.Schedule?.Trim(), r.Cost!.Value, eligibility, accessibility.Select(a => a.Trim()).ToList(), r.ReferralMode!.Value, r.Capacity!), errors);
    }
}
