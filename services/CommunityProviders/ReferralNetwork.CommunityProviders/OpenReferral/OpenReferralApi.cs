using System.Text.Json;
using System.Text.Json.Serialization;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.CommunityProviders.Directory;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.CommunityProviders.OpenReferral;

public sealed record OrukIndex(
    string Version,
    string Profile,
    [property: JsonPropertyName("_links")] IReadOnlyDictionary<string, OrukLink> Links);

public sealed record OrukLink(string Href);

/// <summary>
/// The directory as an anonymous Open Referral UK read API (GET only, CORS *). It reads listings only,
/// so it cannot reveal anything about onward referrals or the people in them.
/// </summary>
public static class OpenReferralApi
{
    public const string HsdsVersion = "3.1";
    public const string Profile = "https://openreferraluk.org";

    /// <summary>HSDS is snake_case (the partner API is camelCase), and leaves out what it does not know.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static IEndpointRouteBuilder MapOpenReferralApi(this IEndpointRouteBuilder app)
    {
        var oruk = app.MapGroup("/openreferral").AllowAnonymous().AddEndpointFilter(async (context, next) =>
        {
            // On every answer, problems included, so browser clients on any site can read them.
            context.HttpContext.Response.Headers.AccessControlAllowOrigin = "*";
            return await next(context);
        });
        oruk.MapGet("/", Index);
        oruk.MapGet("/services", ListAsync);
        oruk.MapGet("/services/{id:guid}", GetAsync);
        return app;
    }

    public static JsonHttpResult<OrukIndex> Index() => TypedResults.Json(new OrukIndex(HsdsVersion, Profile, new Dictionary<string, OrukLink>
    {
        ["self"] = new("/openreferral/"),
        ["services"] = new("/openreferral/services"),
        ["service"] = new("/openreferral/services/{id}"),
    }), Json);

    public static async Task<Results<JsonHttpResult<OrukPage<OrukService>>, ProblemHttpResult>> ListAsync(
        IQuerySession session, CancellationToken ct, string? page = null, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "per_page")] string? perPage = null)
    {
        var (number, size, error) = OrukPaging.Read(page, perPage);
        if (error is not null)
        {
            return Problems.BadRequest(error);
        }

        var published = session.Query<CommunityService>()
            .Where(s => s.Status == ServiceStatus.Active || s.Status == ServiceStatus.TemporarilyClosed);
        var found = await published.PageAsync(q => q.OrderBy(s => s.ListedAt).ThenBy(s => s.Id), new PageRequest(number, size), ct);
        return TypedResults.Json(OrukPaging.Of(found.Items.Select(OrukMapping.ToService).ToList(), found.TotalItems, number, size), Json);
    }

    public static async Task<Results<JsonHttpResult<OrukService>, ProblemHttpResult>> GetAsync(Guid id, IQuerySession session, CancellationToken ct)
    {
        var service = await session.LoadAsync<CommunityService>(id, ct);
        return service is not null && OrukMapping.IsPublished(service.Status)
            ? TypedResults.Json(OrukMapping.ToService(service), Json)
            : Problems.NotFound("published service");
    }
}
