using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;

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
    ServiceStatus? Status = null)
{
    /// <summary>The listing, once validated: trimmed, each category once, and open to all ages when eligibility is left out.</summary>
    public ServiceDetails ToDetails() => new(
        Name!.Trim(), Description?.Trim(), (Categories ?? []).Distinct().ToList(), Area!.Trim(), Postcode?.Trim().ToUpperInvariant(),
        Schedule?.Trim(), Cost!.Value, Eligibility ?? new Eligibility(null, null), (Accessibility ?? []).Select(a => a.Trim()).ToList(),
        ReferralMode!.Value, Capacity!);

    /// <summary>The PUT: everything the POST takes, plus the status (active when left out).</summary>
    public EditService ToEdit(DateTimeOffset now) => new(ToDetails(), Status ?? ServiceStatus.Active, now);
}

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
        var services = app.MapGroup("/api/directory/services").WithRequestValidation();
        services.MapPost("/", ListAsync).RequireKinds(false, OrganisationKind.CommunityProvider).WithIdempotencyKey();
        services.MapGet("/", SearchAsync);
        services.MapGet("/{id:guid}", GetAsync);
        services.MapPut("/{id:guid}", EditAsync).RequireKinds(false, OrganisationKind.CommunityProvider);
        services.MapPut("/{id:guid}/capacity", ChangeCapacityAsync).RequireKinds(false, OrganisationKind.CommunityProvider);
        services.MapPost("/{id:guid}/confirm", ConfirmAsync).RequireKinds(false, OrganisationKind.CommunityProvider);
        app.MapGet("/api/directory/capacity", CapacityCheckAsync);
        return app;
    }

    public static async Task<Created<ServiceView>> ListAsync(
        ServiceRequest request, Caller caller, IDocumentSession session, HttpContext http, IdempotencyScope idempotency, TimeProvider clock,
        CancellationToken ct)
    {
        InOwnArea(request, caller);
        var id = Guid.CreateVersion7();
        var listed = new ServiceListed(id, caller.OrganisationId, caller.Name, request.ToDetails(), clock.GetUtcNow());
        var location = $"/api/directory/services/{id}";
        // The repeat answer commits with the stream, so it is written before the save: the listing its
        // one event creates, at the version a one-event stream has.
        idempotency.Remember(session, StatusCodes.Status201Created, location, ServiceView.From(CommunityService.Create(listed) with { Version = 1 }));
        var listing = await http.StartAsync<CommunityService>(session, id, [listed], ct);
        return TypedResults.Created(location, ServiceView.From(listing));
    }

    public static Task<Ok<ServiceView>> EditAsync(
        Guid id, ServiceRequest request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, caller, session, http, current =>
        {
            // After the ownership check, so another provider's service is 404 whatever area is sent.
            InOwnArea(request, caller);
            return CommunityServiceDecider.Decide(current, request.ToEdit(clock.GetUtcNow()));
        }, ct);

    /// <summary>
    /// A provider lists only in its own area (the token's): matching sends a listing the people of its
    /// area, so another area's listing would reach people it has no business with. 422 on area, since
    /// the kind may list and only this value is wrong.
    /// </summary>
    public static void InOwnArea(ServiceRequest request, Caller caller)
    {
        if (!string.Equals(request.Area?.Trim(), caller.Area, StringComparison.Ordinal) || caller.Area.Length == 0)
        {
            throw new InvalidCommand("area", $"You list services only in your own area ({caller.Area}).");
        }
    }

    public static Task<Ok<ServiceView>> ChangeCapacityAsync(
        Guid id, CapacityRequest request, Caller caller, IDocumentSession session, HttpContext http, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, caller, session, http,
            current => CommunityServiceDecider.Decide(current, new ChangeCapacity(request.Available!.Value, request.Waitlist!.Value, clock.GetUtcNow())), ct);

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

    public static async Task<Results<Ok<Paged<ServiceView>>, Ok<IReadOnlyList<ServiceView>>>> SearchAsync(
        IQuerySession session, HttpContext http, [AsParameters] PageRequest paging, CancellationToken ct, string? category = null, string? area = null,
        Guid? providerId = null)
    {
        var query = session.Query<CommunityService>().AsQueryable();
        if (providerId is { } provider)
        {
            query = query.Where(s => s.ProviderId == provider);
        }

        if (area is not null)
        {
            query = query.Where(s => s.Details.Area == area);
        }

        // In the database, so only one page of listings is ever read.
        if (category is not null)
        {
            query = query.Where(s => s.Details.Categories.Contains(category));
        }

        var page = (await query.PageAsync(q => q.OrderBy(s => s.ListedAt).ThenBy(s => s.Id), paging.ForBareArray(), ct)).Select(ServiceView.From);
        if (paging.Asked)
        {
            return TypedResults.Ok(page);
        }

        return TypedResults.Ok(page.AsBareArray(http));
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

/// <summary>A listing's fields, on listing (POST) and on every edit (PUT).</summary>
public sealed class ServiceRequestValidator : AbstractValidator<ServiceRequest>
{
    public const int NameMaxLength = 200;
    public const int DescriptionMaxLength = 4000;
    public const int AreaMaxLength = 64;
    public const int PostcodeMaxLength = 10;
    public const int ScheduleMaxLength = 500;
    public const int MaxAccessibility = 20;
    public const int AccessibilityMaxLength = 100;
    public const int MaxAge = 120;

    public ServiceRequestValidator()
    {
        RuleFor(r => r.Name).RequiredText(NameMaxLength);
        RuleFor(r => r.Description).MaxText(DescriptionMaxLength);
        RuleFor(r => r.Categories).Must(c => c is { Count: > 0 }).WithMessage("At least one category from the needs vocabulary is required.");
        // Each unknown category is named by its index (categories[1]); Continue, or the global Stop would name only the first.
        RuleForEach(r => r.Categories).Cascade(CascadeMode.Continue).Must(Needs.IsKnown).WithMessage($"Not in the needs vocabulary: {string.Join(", ", Needs.All)}.");
        RuleFor(r => r.Area).RequiredText(AreaMaxLength);
        RuleFor(r => r.Postcode).MaxText(PostcodeMaxLength);
        RuleFor(r => r.Schedule).MaxText(ScheduleMaxLength);
        RuleFor(r => r.Cost).NotNull().WithMessage("Required: free, paid or donation.");
        RuleFor(r => r.ReferralMode).NotNull().WithMessage("Required: direct or signpost.");
        RuleFor(r => r.Eligibility!.MinAge).Must(Age).WithMessage($"Between 0 and {MaxAge}.").When(r => r.Eligibility is not null);
        RuleFor(r => r.Eligibility!.MaxAge).Must(Age).WithMessage($"Between 0 and {MaxAge}.").When(r => r.Eligibility is not null);
        RuleFor(r => r.Eligibility).Must(e => e is null || !(e.MinAge > e.MaxAge)).WithMessage("minAge must not exceed maxAge.");
        RuleFor(r => r.Accessibility)
            .Must(a => a is null || (a.Count <= MaxAccessibility && a.All(e => !string.IsNullOrWhiteSpace(e) && e.Length <= AccessibilityMaxLength)))
            .WithMessage($"At most {MaxAccessibility} entries of 1 to {AccessibilityMaxLength} characters.");
        RuleFor(r => r.Capacity)
            .NotNull().WithMessage("Required: maximum and available places.")
            .Must(c => c!.Maximum >= 0 && c.Available >= 0 && c.Available <= c.Maximum)
            .WithMessage("maximum and available are 0 or more, and available is at most maximum.");
    }

    private static bool Age(int? age) => age is null or (>= 0 and <= MaxAge);
}

/// <summary>The shape of a capacity change; whether the number fits the service's maximum is the decider's to say.</summary>
public sealed class CapacityRequestValidator : AbstractValidator<CapacityRequest>
{
    public CapacityRequestValidator()
    {
        RuleFor(r => r.Available).NotNull().WithMessage("Required: the number of places free now.");
        RuleFor(r => r.Waitlist).NotNull().WithMessage("Required: none, under-1-month, 1-3-months or over-3-months.");
    }
}
