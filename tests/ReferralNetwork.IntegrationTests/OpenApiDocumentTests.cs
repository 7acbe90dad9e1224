using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using ReferralNetwork.Gateway.OpenApi;
using ReferralNetwork.IntegrationTests.Infrastructure;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// The partner API's OpenAPI document (issue 17), as the gateway merges it from the services: it is valid OpenAPI,
/// it has every operation of the contract (partner-api.md), and it is what docs/openapi.json says. The gateway
/// fetches each service's document from its cluster's destination; here the destinations' addresses lead to the
/// in-process services.
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public sealed partial class OpenApiDocumentTests(RealInfrastructure infrastructure)
{
    public const string RegenerateVariable = "REGENERATE_OPENAPI";

    /// <summary>Every operation partner-api.md names, as "METHOD /path" (path parameters as {id}).</summary>
    public static readonly string[] ContractOperations =
    [
        // §1 Authentication
        "POST /connect/token",
        // §2 Organisations, §10 suspension and revocation
        "POST /api/admin/organisations", "GET /api/admin/organisations",
        "POST /api/admin/organisations/{id}/suspend", "POST /api/admin/organisations/{id}/reinstate",
        "POST /api/admin/organisations/{id}/secret",
        // §3 Referrals
        "POST /api/referrals", "POST /api/self-referrals", "GET /api/referrals/{id}", "GET /api/referrals",
        "GET /api/referrals/{id}/timeline", "POST /api/referrals/{id}/messages", "GET /api/referrals/{id}/messages",
        "POST /api/referrals/{id}/cancel",
        // §4 Link-worker services
        "POST /api/link-workers", "GET /api/link-workers", "GET /api/cases",
        "POST /api/cases/{id}/accept", "POST /api/cases/{id}/reject", "POST /api/cases/{id}/contacts",
        "POST /api/cases/{id}/assessment", "GET /api/cases/{id}/matches", "POST /api/cases/{id}/onward-referrals",
        "POST /api/cases/{id}/hold", "POST /api/cases/{id}/resume", "POST /api/cases/{id}/close",
        // §5 Community providers
        "POST /api/directory/services", "PUT /api/directory/services/{id}", "PUT /api/directory/services/{id}/capacity",
        "GET /api/directory/services",
        "GET /openreferral", "GET /openreferral/services", "GET /openreferral/services/{id}",
        "GET /api/provider/referrals", "GET /api/provider/referrals/{id}",
        "POST /api/provider/referrals/{id}/acknowledge", "POST /api/provider/referrals/{id}/accept",
        "POST /api/provider/referrals/{id}/reject", "POST /api/provider/referrals/{id}/attendance",
        "POST /api/provider/referrals/{id}/complete", "POST /api/provider/referrals/{id}/fail",
        // §6 Outcomes, feedback, involvement, reports
        "POST /api/outcomes", "GET /api/outcomes", "POST /api/feedback", "POST /api/involvement/suggestions",
        "GET /api/reports/summary",
        // §7 Feed and webhooks
        "GET /api/events", "POST /api/subscriptions", "GET /api/subscriptions/{id}/deliveries",
        // §9 Erasure
        "POST /api/admin/erasures", "GET /api/admin/erasures/{id}",
    ];

    /// <summary>The contract's public operations: no token, so no security requirement.</summary>
    public static readonly string[] PublicOperations =
    [
        "POST /connect/token", "POST /api/self-referrals", "POST /api/feedback", "POST /api/involvement/suggestions",
        "GET /openreferral", "GET /openreferral/services", "GET /openreferral/services/{id}",
    ];

    [Fact]
    public async Task The_gateways_document_is_valid_OpenAPI_31_with_every_operation_of_the_contract_and_matches_docs_openapi_json()
    {
        var json = await FetchAsync();

        // (a) Microsoft.OpenApi's reader finds nothing wrong with it.
        var read = OpenApiDocument.Parse(json, OpenApiConstants.Json, new OpenApiReaderSettings());
        Assert.True(read.Diagnostic?.Errors.Count == 0,
            "The OpenAPI reader found errors: " + string.Join("; ", read.Diagnostic?.Errors.Select(e => $"{e.Pointer}: {e.Message}") ?? []));
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, read.Diagnostic!.SpecificationVersion);

        // (b) Every operation of the contract is there, and only the public ones go without a token.
        var document = JsonNode.Parse(json)!.AsObject();
        var described = Operations(document);
        var missing = ContractOperations.Where(o => !described.ContainsKey(o)).ToList();
        Assert.True(missing.Count == 0, $"The document lacks {missing.Count} operation(s) of the contract: {string.Join(", ", missing)}");
        foreach (var operation in ContractOperations)
        {
            var needsToken = described[operation]["security"] is JsonArray { Count: > 0 };
            Assert.True(needsToken != PublicOperations.Contains(operation),
                $"{operation} should {(needsToken ? "be public" : "need a token")} as the contract says.");
        }

        // Enum values as the contract spells them, problem details for errors.
        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.Contains("\"in-progress\"", schemas.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("\"gp-practice\"", schemas.ToJsonString(), StringComparison.Ordinal);
        Assert.True(schemas.ContainsKey("ProblemDetails") && schemas.ContainsKey("HttpValidationProblemDetails"));
        Assert.DoesNotContain(schemas, s => s.Key.EndsWith("ProblemDetails", StringComparison.Ordinal) && s.Key is not ("ProblemDetails" or "HttpValidationProblemDetails"));

        // (c) It is what the repository says the partner API is.
        var committedPath = Path.Combine(RepositoryRoot(), "docs", "openapi.json");
        if (Environment.GetEnvironmentVariable(RegenerateVariable) == "1")
        {
            await File.WriteAllTextAsync(committedPath, json);
        }

        Assert.True(File.Exists(committedPath), $"{committedPath} is missing. {HowToRegenerate}");
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(committedPath));
        if (FirstDifference(committed, document, "") is { } difference)
        {
            Assert.Fail($"docs/openapi.json and the running API disagree, first at {difference}. {HowToRegenerate}");
        }
    }

    [Fact]
    public async Task The_docs_page_is_served_with_its_script_from_the_gateway_under_a_nonce_policy()
    {
        using var gateway = Gateway();
        using var client = gateway.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://127.0.0.1:8080") });

        using var page = await client.GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        var html = await page.Content.ReadAsStringAsync();
        var nonce = NonceInPolicy().Match(csp);
        Assert.True(nonce.Success, $"no nonce in the page's policy: {csp}");
        Assert.Contains($"nonce=\"{nonce.Groups[1].Value}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        // Scalar's script resolves it against the page's origin: /openapi/v1.json.
        Assert.Contains("\"url\":\"openapi/v1.json\"", html, StringComparison.Ordinal);

        // Every script the page loads comes from the gateway itself.
        var scripts = ScriptSource().Matches(html);
        Assert.NotEmpty(scripts);
        foreach (Match script in scripts)
        {
            using var asset = await client.GetAsync(new Uri(page.RequestMessage!.RequestUri!, script.Groups[1].Value));
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.Contains("javascript", asset.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        }

        // The other pages keep their policy (no script at all).
        using var other = await client.GetAsync("/account/login");
        Assert.DoesNotContain("script-src", string.Join(";", other.Headers.TryGetValues("Content-Security-Policy", out var v) ? v : []), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_that_does_not_describe_its_part_makes_the_document_a_503_problem_rather_than_a_partial_one()
    {
        // The feedback service's destination (port 5104) leads nowhere.
        using var gateway = Gateway(withoutPort: 5104);
        using var client = gateway.CreateClient();

        using var answer = await client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        Assert.Contains("feedback", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private const string HowToRegenerate =
        $"If the change is intended, regenerate it: {RegenerateVariable}=1 dotnet test tests/ReferralNetwork.IntegrationTests -c Release --filter \"FullyQualifiedName~OpenApiDocumentTests\", then review and commit docs/openapi.json.";

    private async Task<string> FetchAsync()
    {
        using var gateway = Gateway();
        // The contract's local base address, which the document names as its server.
        using var client = gateway.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://127.0.0.1:8080") });
        using var answer = await client.GetAsync("/openapi/v1.json");
        var json = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{answer.StatusCode}: {json}");
        return json;
    }

    /// <summary>The shared gateway, its document client led to the in-process services by the destinations' ports.</summary>
    private WebApplicationFactory<ReferralNetwork.Gateway.Organisations.OrganisationEvents> Gateway(int? withoutPort = null) =>
        infrastructure.Gateway.WithWebHostBuilder(b => b
            .UseSetting("BackgroundWork:Mode", "None")
            .ConfigureTestServices(services => services.AddHttpClient(PartnerDocumentApi.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(() => new ServicesByPort(new Dictionary<int, HttpMessageHandler>
                {
                    [5101] = infrastructure.Referrals.Server.CreateHandler(),
                    [5102] = infrastructure.LinkWorkers.Server.CreateHandler(),
                    [5103] = infrastructure.CommunityProviders.Server.CreateHandler(),
                    [5104] = infrastructure.Feedback.Server.CreateHandler(),
                }.Where(s => s.Key != withoutPort).ToDictionary()))));

    /// <summary>"METHOD /path" for each operation, path parameters written {id} whatever the service calls them.</summary>
    private static Dictionary<string, JsonObject> Operations(JsonObject document)
    {
        var operations = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (operation is JsonObject o && method != "parameters")
                {
                    var normalised = PathParameter().Replace(path.Length > 1 ? path.TrimEnd('/') : path, "{id}");
                    operations[$"{method.ToUpperInvariant()} {normalised}"] = o;
                }
            }
        }

        return operations;
    }

    /// <summary>The JSON pointer of the first place the two differ, with both values; null when they are the same.</summary>
    private static string? FirstDifference(JsonNode? expected, JsonNode? actual, string pointer)
    {
        switch (expected, actual)
        {
            case (JsonObject e, JsonObject a):
                foreach (var key in e.Select(p => p.Key).Union(a.Select(p => p.Key)))
                {
                    var at = $"{pointer}/{key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}";
                    if (!e.ContainsKey(key))
                    {
                        return $"{at} (only in the running API)";
                    }

                    if (!a.ContainsKey(key))
                    {
                        return $"{at} (only in docs/openapi.json)";
                    }

                    if (FirstDifference(e[key], a[key], at) is { } inside)
                    {
                        return inside;
                    }
                }

                return e.Select(p => p.Key).SequenceEqual(a.Select(p => p.Key)) ? null : $"{pointer} (the same members in another order)";
            case (JsonArray e, JsonArray a):
                for (var i = 0; i < Math.Max(e.Count, a.Count); i++)
                {
                    if (i >= e.Count || i >= a.Count)
                    {
                        return $"{pointer}/{i} (only in {(i >= e.Count ? "the running API" : "docs/openapi.json")})";
                    }

                    if (FirstDifference(e[i], a[i], $"{pointer}/{i}") is { } inside)
                    {
                        return inside;
                    }
                }

                return null;
            default:
                return JsonNode.DeepEquals(expected, actual) ? null
                    : $"{(pointer.Length == 0 ? "/" : pointer)}: docs/openapi.json has {expected?.ToJsonString() ?? "null"}, the running API {actual?.ToJsonString() ?? "null"}";
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ReferralNetwork.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository's root (ReferralNetwork.sln) is not above the test's folder.");
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex PathParameter();

    [GeneratedRegex(@"'nonce-([^']+)'")]
    private static partial Regex NonceInPolicy();

    [GeneratedRegex("<script[^>]*\\ssrc=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();

    /// <summary>Sends each request to the in-process service whose port the destination's address names.</summary>
    private sealed class ServicesByPort(IReadOnlyDictionary<int, HttpMessageHandler> services) : HttpMessageHandler
    {
        private readonly Dictionary<int, HttpMessageInvoker> invokers = services.ToDictionary(s => s.Key, s => new HttpMessageInvoker(s.Value));

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            invokers.TryGetValue(request.RequestUri!.Port, out var invoker)
                ? invoker.SendAsync(request, cancellationToken)
                : Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadGateway));
    }
}
