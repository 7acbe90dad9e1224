using System.Text.Json.Nodes;
using ReferralNetwork.Gateway.OpenApi;
using Yarp.ReverseProxy.Configuration;

namespace ReferralNetwork.UnitTests.Gateway;

/// <summary>How the gateway merges the services' OpenAPI documents: its routes decide, and the result is the same every time.</summary>
public class PartnerDocumentMergeTests
{
    private static readonly RouteConfig[] Routes =
    [
        Route("feedback", "feedback", "/api/feedback/{**rest}", "default"),
        Route("feedback-public", "feedback", "/api/feedback", "anonymous", "POST"),
        Route("outcomes", "feedback", "/api/outcomes/{**rest}", "default"),
        Route("referrals", "referrals", "/api/referrals/{**rest}", "default"),
    ];

    private static readonly JsonObject Gateway = Document(new JsonObject(), new JsonObject());

    [Fact]
    public void A_schema_name_two_services_use_differently_is_prefixed_by_the_later_service_and_its_references_follow()
    {
        var merged = Merge(
            ("feedback", Document(Paths(("/api/outcomes/", "post", "Status")), Schemas(("Status", "a,b"), ("ProblemDetails", "x")))),
            ("referrals", Document(Paths(("/api/referrals/{id}", "get", "Status")), Schemas(("Status", "c"), ("ProblemDetails", "y")))));

        var schemas = merged["components"]!["schemas"]!.AsObject();
        Assert.Equal(["ProblemDetails", "ReferralsStatus", "Status"], schemas.Select(s => s.Key));
        Assert.Equal("#/components/schemas/ReferralsStatus", Ref(merged, "/api/referrals/{id}", "get"));
        Assert.Equal("#/components/schemas/Status", Ref(merged, "/api/outcomes", "post"));
    }

    [Fact]
    public void Only_what_a_route_reaches_is_described_and_an_anonymous_route_makes_an_operation_public()
    {
        var merged = Merge(("feedback", Document(
            Paths(("/api/feedback", "post", null), ("/api/outcomes", "get", null), ("/api/referrals", "get", null), ("/health", "get", null)),
            new JsonObject())));

        var paths = merged["paths"]!.AsObject();
        Assert.Equal(["/api/feedback", "/api/outcomes"], paths.Select(p => p.Key));
        Assert.Null(paths["/api/feedback"]!["post"]!["security"]);
        Assert.Equal("oauth2", paths["/api/outcomes"]!["get"]!["security"]![0]!.AsObject().Single().Key);
        Assert.NotNull(paths["/api/outcomes"]!["get"]!["responses"]!["401"]);
        Assert.NotNull(paths["/api/feedback"]!["post"]!["responses"]!["429"]);
    }

    [Fact]
    public void The_same_documents_in_any_order_give_the_same_bytes()
    {
        var feedback = ("feedback", Document(Paths(("/api/outcomes", "get", "Status")), Schemas(("Status", "a"))));
        var referrals = ("referrals", Document(Paths(("/api/referrals", "get", "Status")), Schemas(("Status", "b"))));

        Assert.Equal(PartnerDocumentApi.Write(Merge(feedback, referrals)), PartnerDocumentApi.Write(Merge(referrals, feedback)));
    }

    private static JsonObject Merge(params (string Cluster, JsonObject Document)[] services) =>
        PartnerDocumentMerge.Merge(Gateway, services.Select(s => new ServiceDocument(s.Cluster, s.Document)), Routes, "http://127.0.0.1:8080");

    private static string? Ref(JsonObject document, string path, string method) =>
        document["paths"]![path]![method]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();

    private static RouteConfig Route(string id, string cluster, string path, string policy, params string[] methods) =>
        new() { RouteId = id, ClusterId = cluster, AuthorizationPolicy = policy, Match = new RouteMatch { Path = path, Methods = methods.Length > 0 ? methods : null } };

    private static JsonObject Document(JsonObject paths, JsonObject schemas) =>
        new() { ["openapi"] = "3.1.1", ["paths"] = paths, ["components"] = new JsonObject { ["schemas"] = schemas } };

    private static JsonObject Paths(params (string Path, string Method, string? Schema)[] operations)
    {
        var paths = new JsonObject();
        foreach (var (path, method, schema) in operations)
        {
            var response = new JsonObject { ["description"] = "OK" };
            if (schema is not null)
            {
                response["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = $"#/components/schemas/{schema}" } } };
            }

            paths[path] = new JsonObject { [method] = new JsonObject { ["responses"] = new JsonObject { ["200"] = response } } };
        }

        return paths;
    }

    /// <summary>Enum schemas, their values comma-separated.</summary>
    private static JsonObject Schemas(params (string Name, string Values)[] schemas)
    {
        var result = new JsonObject();
        foreach (var (name, values) in schemas)
        {
            result[name] = new JsonObject { ["enum"] = new JsonArray(values.Split(',').Select(v => (JsonNode)v).ToArray()) };
        }

        return result;
    }
}
