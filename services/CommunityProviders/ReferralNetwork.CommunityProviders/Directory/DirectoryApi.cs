using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.PartnerApi.Authentication;
using ReferralNetwork.PartnerApi;

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
    Capacity? Capacity,
    ServiceStatus? Status = null);

public sealed record CapacityRequest(int? Available, Waitlist? Waitlist);

public sealed record ServiceView(
    Guid Id, Guid ProviderId, string ProviderName, string Name, string? Description, IReadOnlyList<string> Categories, string Area,
    string? Postcode, string? Schedule, Cost Cost, Eligibility Eligibility, IReadOnlyList<string> Accessibility, ReferralMode ReferralMode,
    Capacity Capacity, DateTimeOffset ConfirmedAt, long Version, ServiceStatus Status, Waitlist Waitlist, int AtCapacityRejections,
    DateTimeOffset UpdatedAt)
{
    public static ServiceView From(CommunityService s) => new(
        s.Id, s.ProviderId, s.ProviderName, s.Details.Name, s.Details.Description, s.Details.Categories, s.Details.Area, s.Details.Postcode,
        s.Details.Schedule, s.Details.Cost, s.Details.Eligibility, s.Details.Accessibility, s.Details.ReferralMode, s.Details.Capacity,
        s.ConfirmedAt, s.Version, s.Status, s.Waitlist, s.AtCapacityRejections, s.UpdatedAt ?? s.ListedAt);
}

/// <summary>Free places at one service, for a capacity check: names and numbers, never anyone's details.</summary>
public sealed record ServiceCapacityView(
    Guid ServiceId, string Name, string ProviderName, int Available, int Maximum, Waitlist Waitlist, DateTimeOffset UpdatedAt);

public sealed record CapacityTotals(int Services, int Available, int Maximum, int AtCapacity);

public sealed record CapacityCheck(IReadOnlyList<ServiceCapacityView> Services, CapacityTotals Totals);

public static class DirectoryApi
{
    public static IEndpointRouteBuilder MapDirectoryApi(this IEndpointRouteBuilder app)
    {
        var services = app.MapGroup("/api/directory/services");
        services.MapPost("/", ListAsync).RequireKinds(false, OrganisationKind.CommunityProvider).WithIdempotencyKey();
        services.MapGet("/", SearchAsync);
        services.MapGet("/{id:guid}", GetAsync);
        services.MapPut("/{id:guid}", EditAsync).RequireKinds(false, OrganisationKind.CommunityProvider);
        services.MapPut("/{id:guid}/capacity", ChangeCapacityAsync).RequireKinds(false, OrganisationKind.CommunityProvider);
        services.MapPost("/{id:guid}/confirm", ConfirmAsync).RequireKinds(false, OrganisationKind.CommunityProvider);
        app.MapGet("/api/directory/capacity", CapacityCheckAsync);
        return app;
    }

    public static async Task<Results<Created<ServiceView>, ProblemHttpResult>> ListAsync(
        ServiceRequest request, Caller caller, IDocumentSession session, HttpContext http, IdempotencyScope idempotency, TimeProvider clock,
        CancellationToken ct)
    {
        var (details, errors) = ServiceValidation.Validate(request);
        if (details is null)
        {
            return errors.ToProblem();
        }

        var id = Guid.CreateVersion7();
        var listed = new ServiceListed(id, caller.OrganisationId, caller.Name, details, clock.GetUtcNow());
        var location = $"/api/directory/services/{id}";
        // The repeat answer commits with the stream, so it is written before the save: the listing its
        // one event creates, at the version a one-event stream has.
        idempotency.Remember(session, StatusCodes.Status201Created, location, ServiceView.From(CommunityService.Create(listed) with { Version = 1 }));
        var listing = await http.StartAsync<CommunityService>(session, id, [listed], ct);
        return TypedResults.Created(location, ServiceView.From(listing));
    }

    public static async Task<Results<Ok<ServiceView>, ProblemHttpResult>> EditAsync(
        Guid id, ServiceRequest request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        var (details, status, errors) = ServiceValidation.ValidateEdit(request);
        if (details is null)
        {
            return errors.ToProblem();
        }

        return await ChangeAsync(id, caller, session, http, current => CommunityServiceDecider.Decide(current, new EditService(details, status, clock.GetUtcNow())), ct);
    }

    public static async Task<Results<Ok<ServiceView>, ProblemHttpResult>> ChangeCapacityAsync(
        Guid id, CapacityRequest request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        var errors = CapacityValidation.Validate(request);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await ChangeAsync(id, caller, session, http,
            current => CommunityServiceDecider.Decide(current, new ChangeCapacity(request.Available!.Value, request.Waitlist!.Value, clock.GetUtcNow())), ct);
    }

    public static async Task<Ok<ServiceView>> ConfirmAsync(
        Guid id, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct) =>
        await ChangeAsync(id, caller, session, http, current => CommunityServiceDecider.Decide(current, new ConfirmListing(clock.GetUtcNow())), ct);

    /// <summary>Free places at the active services matching the filters: no onward referral or person is read at all.</summary>
    public static async Task<Ok<CapacityCheck>> CapacityCheckAsync(IQuerySession session, CancellationToken ct, string? category = null, string? area = null)
    {
        var query = session.Query<CommunityService>().Where(s => s.Status == ServiceStatus.Active);
        if (area is not null)
        {
            query = query.Where(s => s.Details.Area == area);
        }

        var services = await query.OrderBy(s => s.ListedAt).ToListAsync(ct);
        IReadOnlyList<ServiceCapacityView> found = services
            .Where(s => category is null || s.Details.Categories.Contains(category))
            .Select(s => new ServiceCapacityView(
                s.Id, s.Details.Name, s.ProviderName, s.Details.Capacity.Available, s.Details.Capacity.Maximum, s.Waitlist, s.UpdatedAt ?? s.ListedAt))
            .ToList();
        var totals = new CapacityTotals(found.Count, found.Sum(s => s.Available), found.Sum(s => s.Maximum), found.Count(s => s.Available == 0));
        return TypedResults.Ok(new CapacityCheck(found, totals));
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

    /// <summary>A command on one of the provider's own services; anyone else's is 404 before any version check or validation.</summary>
    private static async Task<Ok<ServiceView>> ChangeAsync(
        Guid id, Caller caller, IDocumentSession session, HttpContext http, Func<CommunityService, IReadOnlyList<object>> decide, CancellationToken ct) =>
        TypedResults.Ok(ServiceView.From(await http.ChangeAsync<CommunityService>(session, id, s => s.ProviderId == caller.OrganisationId, "service of yours", decide, ct)));
}

public static class ServiceValidation
{
    /// <summary>The PUT body: everything the POST takes, plus the status (active when left out).</summary>
    public static (ServiceDetails? Details, ServiceStatus Status, ValidationErrors Errors) ValidateEdit(ServiceRequest r)
    {
        var (details, errors) = Validate(r);
        return (details, r.Status ?? ServiceStatus.Active, errors);
    }

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

public static class CapacityValidation
{
    /// <summary>The shape of a capacity change; whether the number fits the service's maximum is the decider's to say.</summary>
    public static ValidationErrors Validate(CapacityRequest r)
    {
        var errors = new ValidationErrors();
        if (r.Available is null)
        {
            errors.Add("available", "Required: the number of places free now.");
        }

        if (r.Waitlist is null)
        {
            errors.Add("waitlist", "Required: none, under-1-month, 1-3-months or over-3-months.");
        }

        return errors;
    }
}
