using System.Text.Json.Nodes;
using ReferralNetwork.PartnerApi;
using Yarp.ReverseProxy.Configuration;

namespace ReferralNetwork.Gateway.OpenApi;

/// <summary>One service's OpenAPI document, with the cluster the gateway routes its paths to.</summary>
public sealed record ServiceDocument(string ClusterId, JsonObject Document);

/// <summary>
/// Merges the gateway's own partner endpoints and the services' documents into the one document partners read.
/// The gateway's routes decide what is in it: a service operation no route reaches is left out, and one whose
/// route is anonymous is public; every other operation needs the client-credentials token. Everything is
/// ordered by name, so the same services give the same bytes (docs/openapi.json is compared with it).
/// </summary>
public static class PartnerDocumentMerge
{
    public const string SecurityScheme = "oauth2";
    public const string GatewaySource = "gateway";
    private const string SchemaRefPrefix = "#/components/schemas/";
    private const string AnonymousPolicy = "anonymous";

    /// <summary>The error schemas every service shares: one of each, so a partner has one error type.</summary>
    private static readonly string[] SharedSchemas = [PartnerOpenApi.ProblemSchema, PartnerOpenApi.ValidationProblemSchema];

    /// <summary>OpenAPI's operation keys, in the order the document lists them.</summary>
    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    public static JsonObject Merge(JsonObject gateway, IEnumerable<ServiceDocument> services, IReadOnlyList<RouteConfig> routes, string serverUrl)
    {
        var paths = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var schemas = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);

        // The gateway's own endpoints: PartnerOpenApi marked those that need no token.
        Add(GatewaySource, gateway, paths, schemas,
            (_, _, operation) => operation[PartnerOpenApi.AnonymousExtension]?.GetValue<bool>() == true ? Access.Public : Access.Token);
        foreach (var service in services.OrderBy(s => s.ClusterId, StringComparer.Ordinal))
        {
            Add(service.ClusterId, service.Document, paths, schemas, (path, method, _) => AccessThroughRoutes(routes, service.ClusterId, path, method));
        }

        var merged = new JsonObject
        {
            ["openapi"] = gateway["openapi"]?.DeepClone() ?? "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "Referral Network partner API",
                ["version"] = PartnerOpenApi.DocumentName,
                ["description"] = "The contract partners build against (partner-api.md), generated from the services behind the gateway. "
                    + "Every call goes through the gateway; a token comes from POST /connect/token (OAuth 2.0 client credentials). "
                    + "Every response carries X-Correlation-Id (the request's, or a new one); resources that can change return ETag, "
                    + "and commands on them accept If-Match (409 when it no longer matches).",
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = serverUrl }),
            ["paths"] = ToObject(paths.ToDictionary(p => p.Key, p => (JsonNode)p.Value)),
            ["components"] = new JsonObject
            {
                ["schemas"] = ToObject(schemas),
                ["securitySchemes"] = new JsonObject
                {
                    [SecurityScheme] = new JsonObject
                    {
                        ["type"] = "oauth2",
                        ["description"] = "Client credentials: POST /connect/token with the organisation's client id and secret.",
                        ["flows"] = new JsonObject
                        {
                            ["clientCredentials"] = new JsonObject { ["tokenUrl"] = "/connect/token", ["scopes"] = new JsonObject() },
                        },
                    },
                },
            },
        };
        return merged;
    }

    private enum Access { Unreachable, Public, Token }

    private static void Add(
        string source, JsonObject document, SortedDictionary<string, JsonObject> paths, SortedDictionary<string, JsonNode> schemas,
        Func<string, string, JsonObject, Access> access)
    {
        document = (JsonObject)document.DeepClone();
        var ownSchemas = document["components"]?["schemas"] as JsonObject ?? [];

        // A name another source already uses for a different schema gets the source's name in front; the shared
        // error schemas are the same everywhere and are never renamed.
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, schema) in ownSchemas.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (!SharedSchemas.Contains(name) && schemas.TryGetValue(name, out var existing) && !JsonNode.DeepEquals(existing, schema))
            {
                renames[name] = Pascal(source) + name;
            }
        }

        RewriteRefs(document, renames);
        foreach (var (name, schema) in ownSchemas.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var final = renames.GetValueOrDefault(name, name);
            schemas.TryAdd(final, schema!.DeepClone());
        }

        foreach (var (rawPath, item) in document["paths"] as JsonObject ?? [])
        {
            // A group's "/" endpoint comes out as "/api/referrals/"; partners call it without the slash.
            var path = rawPath.Length > 1 ? rawPath.TrimEnd('/') : rawPath;
            foreach (var method in Methods)
            {
                if (item?[method] is not JsonObject operation)
                {
                    continue;
                }

                var reach = access(path, method, operation);
                if (reach == Access.Unreachable)
                {
                    continue;
                }

                Describe(operation, source, reach == Access.Public);
                var target = paths.TryGetValue(path, out var existing) ? existing : paths[path] = [];
                if (target.ContainsKey(method))
                {
                    throw new InvalidOperationException($"{method.ToUpperInvariant()} {path} is described by two sources ({source} and another).");
                }

                target[method] = operation.DeepClone();
                if (item["parameters"] is JsonArray shared && !target.ContainsKey("parameters"))
                {
                    target["parameters"] = shared.DeepClone();
                }
            }
        }

        foreach (var path in paths.Keys.ToList())
        {
            paths[path] = Ordered(paths[path], Methods.Prepend("parameters").ToArray());
        }
    }

    /// <summary>The gateway's answers: who may call it, and its rate limit, which the services do not see.</summary>
    private static void Describe(JsonObject operation, string source, bool isPublic)
    {
        var responses = operation["responses"] as JsonObject ?? [];
        operation.Remove(PartnerOpenApi.AnonymousExtension);
        if (isPublic)
        {
            operation.Remove("security");
        }
        else
        {
            operation["security"] = new JsonArray(new JsonObject { [SecurityScheme] = new JsonArray() });
            AddProblem(responses, "401", "Missing, invalid or expired token.");
            AddProblem(responses, "403", "The caller's kind of organisation may not do this.");
        }

        AddProblem(responses, "429", "Rate limited; Retry-After says when to try again.");
        responses["429"]!["headers"] ??= new JsonObject
        {
            ["Retry-After"] = new JsonObject { ["description"] = "Seconds to wait.", ["schema"] = new JsonObject { ["type"] = "integer" } },
        };
        operation["responses"] = Ordered(responses, null);

        // The generator tags an endpoint without tags by its assembly; the service's name reads better.
        if (operation["tags"] is JsonArray tags && tags.Count == 1 && tags[0]?.GetValue<string>() is { } tag && tag.StartsWith("ReferralNetwork.", StringComparison.Ordinal))
        {
            operation["tags"] = new JsonArray(tag["ReferralNetwork.".Length..]);
        }
        else if (operation["tags"] is null)
        {
            operation["tags"] = new JsonArray(Pascal(source));
        }
    }

    private static void AddProblem(JsonObject responses, string status, string description)
    {
        if (!responses.ContainsKey(status))
        {
            responses[status] = new JsonObject
            {
                ["description"] = description,
                ["content"] = new JsonObject
                {
                    [PartnerOpenApi.ProblemContentType] = new JsonObject
                    {
                        ["schema"] = new JsonObject { ["$ref"] = SchemaRefPrefix + PartnerOpenApi.ProblemSchema },
                    },
                },
            };
        }
    }

    private static Access AccessThroughRoutes(IReadOnlyList<RouteConfig> routes, string clusterId, string path, string method)
    {
        // An exact route is more specific than a catch-all one, as in ASP.NET Core routing.
        var matching = routes
            .Where(r => r.ClusterId == clusterId && RouteMatches(r, path, method))
            .OrderBy(r => IsCatchAll(r.Match.Path!) ? 1 : 0)
            .ThenBy(r => r.RouteId, StringComparer.Ordinal)
            .FirstOrDefault();
        return matching is null ? Access.Unreachable
            : string.Equals(matching.AuthorizationPolicy, AnonymousPolicy, StringComparison.OrdinalIgnoreCase) ? Access.Public
            : Access.Token;
    }

    private static bool IsCatchAll(string pattern) => pattern.EndsWith("/{**rest}", StringComparison.Ordinal);

    private static bool RouteMatches(RouteConfig route, string path, string method)
    {
        if (route.Match.Methods is { Count: > 0 } methods && !methods.Contains(method, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        var pattern = route.Match.Path ?? "";
        var normalised = path.TrimEnd('/');
        if (IsCatchAll(pattern))
        {
            var prefix = pattern[..^"/{**rest}".Length];
            return normalised == prefix || normalised.StartsWith(prefix + "/", StringComparison.Ordinal);
        }

        return string.Equals(normalised, pattern.TrimEnd('/'), StringComparison.Ordinal);
    }

    private static void RewriteRefs(JsonNode? node, Dictionary<string, string> renames)
    {
        if (renames.Count == 0)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                if (obj["$ref"] is JsonValue value && value.GetValue<string>() is { } reference && reference.StartsWith(SchemaRefPrefix, StringComparison.Ordinal)
                    && renames.TryGetValue(reference[SchemaRefPrefix.Length..], out var renamed))
                {
                    obj["$ref"] = SchemaRefPrefix + renamed;
                }

                foreach (var (_, child) in obj.ToList())
                {
                    RewriteRefs(child, renames);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    RewriteRefs(child, renames);
                }

                break;
        }
    }

    /// <summary>A copy with the given keys first in that order, then the rest by name.</summary>
    private static JsonObject Ordered(JsonObject source, string[]? first)
    {
        var keys = source.Select(p => p.Key).ToList();
        var ordered = (first ?? []).Where(keys.Contains).Concat(keys.Where(k => first?.Contains(k) != true).Order(StringComparer.Ordinal));
        var result = new JsonObject();
        foreach (var key in ordered.ToList())
        {
            result[key] = source[key]?.DeepClone();
        }

        return result;
    }

    private static JsonObject ToObject<T>(IEnumerable<KeyValuePair<string, T>> entries) where T : JsonNode
    {
        var result = new JsonObject();
        foreach (var (key, value) in entries)
        {
            result[key] = value.DeepClone();
        }

        return result;
    }

    private static string Pascal(string source) => source switch
    {
        "linkworkers" => "LinkWorkers",
        "communityproviders" => "CommunityProviders",
        _ => char.ToUpperInvariant(source[0]) + source[1..],
    };
}
