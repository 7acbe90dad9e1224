using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using ReferralNetwork.Gateway.RateLimiting;
using ReferralNetwork.PartnerApi;
using Scalar.AspNetCore;
using Yarp.ReverseProxy;

namespace ReferralNetwork.Gateway.OpenApi;

/// <summary>
/// The partner API's OpenAPI document (/openapi/v1.json), merged from the gateway's own partner endpoints and
/// each service's document, and its reference page (/docs). Anonymous, as documentation is, and limited like
/// the other anonymous routes.
/// </summary>
public static class PartnerDocumentApi
{
    public const string DocsPath = "/docs";
    public const string HttpClientName = "service-openapi";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>The partner API's own paths at the gateway; its people and OpenID Connect endpoints are for the web app.</summary>
    public static bool IsGatewayPartnerPath(string path) =>
        path == "connect/token" || path == "api/admin/organisations" || path.StartsWith("api/admin/organisations/", StringComparison.Ordinal);

    public static IHostApplicationBuilder AddPartnerDocument(this IHostApplicationBuilder builder)
    {
        builder.AddPartnerOpenApi("Referral Network gateway", IsGatewayPartnerPath);
        builder.Services.AddHttpClient(HttpClientName, c => c.Timeout = Timeout);
        return builder;
    }

    public static IEndpointRouteBuilder MapPartnerDocument(this IEndpointRouteBuilder app)
    {
        app.MapGet(PartnerOpenApi.DocumentPath, GetDocumentAsync)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimits.PartnerPolicy)
            .ExcludeFromDescription();

        app.MapScalarApiReference(DocsPath, options => options
                .WithTitle("Referral Network partner API")
                .WithOpenApiRoutePattern(PartnerOpenApi.DocumentPath)
                // Nothing leaves for a CDN or Scalar's services: the script is the package's own (served under
                // /docs), the fonts are the browser's, and the page's CSP (DocsPageHeaders) allows only this origin.
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp()
                .WithNonce())
            .AllowAnonymous()
            .RequireRateLimiting(RateLimits.PartnerPolicy);
        return app;
    }

    /// <summary>
    /// /docs runs Scalar's script, which the other pages' policy (no script at all) would block: this page alone
    /// may run the gateway's own scripts and the inline one carrying Scalar's per-request nonce, and reach only
    /// this origin. Scalar adds styles at run time, hence 'unsafe-inline' for styles (not scripts).
    /// </summary>
    public static Task ApplyDocsPageHeadersAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Path.StartsWithSegments(DocsPath))
        {
            context.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                var nonce = http.Items.TryGetValue(ScalarOptions.NonceHttpContextItemKey, out var value) && value is string n ? $" 'nonce-{n}'" : "";
                http.Response.Headers.ContentSecurityPolicy =
                    $"default-src 'none'; script-src 'self'{nonce}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
                    + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
                http.Response.Headers.XFrameOptions = "DENY";
                http.Response.Headers["Referrer-Policy"] = "no-referrer";
                return Task.CompletedTask;
            }, context);
        }

        return next(context);
    }

    /// <summary>
    /// Merged on every request rather than cached: a service's document changes when it is redeployed, and a
    /// merge of four small documents is cheap. A service that does not answer makes the whole document a 503:
    /// a partial document would silently lack a part of the contract.
    /// </summary>
    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetDocumentAsync(
        HttpContext http, IProxyStateLookup proxy, IHttpClientFactory clients, IServiceProvider services, CancellationToken ct)
    {
        var routes = proxy.GetRoutes().Select(r => r.Config).Where(r => PartnerOpenApi.IsPartnerPath(r.Match.Path)).ToList();
        var clusterIds = routes.Select(r => r.ClusterId!).Distinct().Order(StringComparer.Ordinal).ToList();
        var client = clients.CreateClient(HttpClientName);

        var fetched = await Task.WhenAll(clusterIds.Select(id => FetchAsync(proxy, client, id, ct)));
        if (fetched.Where(f => f.Document is null).Select(f => f.ClusterId).ToList() is { Count: > 0 } missing)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The partner API's description is unavailable",
                detail: $"These services did not describe their part: {string.Join(", ", missing)}. Try again shortly.");
        }

        var own = await services.GetRequiredKeyedService<IOpenApiDocumentProvider>(PartnerOpenApi.DocumentName).GetOpenApiDocumentAsync(ct);
        var ownJson = JsonNode.Parse(await own.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, ct))!.AsObject();

        var serverUrl = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";
        var merged = PartnerDocumentMerge.Merge(ownJson, fetched.Select(f => new ServiceDocument(f.ClusterId, f.Document!)), routes, serverUrl);
        return TypedResults.Text(Write(merged), "application/json; charset=utf-8");
    }

    /// <summary>Indented, with a final newline, so docs/openapi.json diffs read well.</summary>
    public static string Write(JsonObject document) =>
        document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

    /// <summary>Any destination of the cluster will do: they all run the same build.</summary>
    private static async Task<(string ClusterId, JsonObject? Document)> FetchAsync(IProxyStateLookup proxy, HttpClient client, string clusterId, CancellationToken ct)
    {
        if (!proxy.TryGetCluster(clusterId, out var cluster))
        {
            return (clusterId, null);
        }

        foreach (var destination in cluster.Destinations.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            try
            {
                var address = new Uri($"{destination.Value.Model.Config.Address.TrimEnd('/')}{PartnerOpenApi.DocumentPath}");
                using var response = await client.GetAsync(address, ct);
                if (response.IsSuccessStatusCode && JsonNode.Parse(await response.Content.ReadAsStringAsync(ct)) is JsonObject document)
                {
                    return (clusterId, document);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                // The next destination may answer.
            }
        }

        return (clusterId, null);
    }
}
