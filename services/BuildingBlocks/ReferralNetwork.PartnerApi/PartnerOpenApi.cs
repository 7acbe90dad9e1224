using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;

namespace ReferralNetwork.PartnerApi;

/// <summary>
/// Each service's OpenAPI 3.1 description of its part of the partner API (partner-api.md), which the gateway
/// fetches and merges into the one document partners read. Only the partner surface is described: health,
/// metrics and anything else a service serves stay out.
/// </summary>
public static class PartnerOpenApi
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ProblemContentType = "application/problem+json";
    public const string ProblemSchema = "ProblemDetails";
    public const string ValidationProblemSchema = "HttpValidationProblemDetails";

    /// <summary>
    /// Marks an operation the endpoint lets anyone call. The gateway's routes decide that for the services' paths;
    /// for its own it reads this mark, and removes it from the merged document.
    /// </summary>
    public const string AnonymousExtension = "x-anonymous";

    /// <summary>The partner API's address space: the gateway routes only these to the services.</summary>
    public static bool IsPartnerPath(string? path)
    {
        var trimmed = path?.TrimStart('/') ?? "";
        return trimmed.StartsWith("api/", StringComparison.Ordinal) || trimmed == "api"
            || trimmed.StartsWith("openreferral", StringComparison.Ordinal);
    }

    /// <param name="include">Which paths (without the leading slash) are described; the partner API's by default.</param>
    public static IHostApplicationBuilder AddPartnerOpenApi(this IHostApplicationBuilder builder, string title, Func<string, bool>? include = null)
    {
        include ??= IsPartnerPath;
        builder.Services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.ShouldInclude = description => include(description.RelativePath ?? "");
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo { Title = title, Version = DocumentName };
                // The gateway is the only address partners use; it sets its own.
                document.Servers = [];
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(AddProblemResponsesAsync);
        });
        return builder;
    }

    /// <summary>Anonymous: the gateway fetches it without a token; the gateway routes no /openapi path to a service.</summary>
    public static IEndpointConventionBuilder MapPartnerOpenApi(this IEndpointRouteBuilder app) =>
        app.MapOpenApi(DocumentPath).AllowAnonymous();

    /// <summary>
    /// Most handlers answer errors with a ProblemHttpResult (or throw to the exception handler), which the
    /// generator cannot see; the contract's conventions say which errors an operation of a given shape can give.
    /// </summary>
    private static async Task AddProblemResponsesAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var description = context.Description;
        var method = description.HttpMethod ?? "GET";
        // A form (the token endpoint) has the OAuth error answers instead of problem details.
        var hasBody = description.ParameterDescriptions.Any(p => p.Source?.Id == "Body")
            && description.SupportedRequestFormats.Any(f => f.MediaType.Contains("json", StringComparison.OrdinalIgnoreCase));
        var hasId = description.RelativePath?.Contains('{', StringComparison.Ordinal) == true;
        var anonymous = description.ActionDescriptor.EndpointMetadata.OfType<IAllowAnonymous>().Any();

        // [AsParameters] records (PageRequest, report filters) name query parameters after their properties;
        // binding ignores case, and partners write them as the contract does (page, pageSize, referralId).
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.In == ParameterLocation.Query && parameter.Name is { Length: > 0 } name)
            {
                parameter.Name = JsonNamingPolicy.CamelCase.ConvertName(name);
            }
        }

        // Every 201 says where the new resource is (TypedResults.Created with its address).
        if (operation.Responses?.TryGetValue("201", out var created) == true && created is OpenApiResponse createdResponse)
        {
            createdResponse.Headers ??= new Dictionary<string, IOpenApiHeader>();
            createdResponse.Headers["Location"] = StringHeader("The new resource's address.");
        }

        var problem = await ComponentAsync(context, ProblemSchema, typeof(ProblemDetails), ct);
        var validation = await ComponentAsync(context, ValidationProblemSchema, typeof(HttpValidationProblemDetails), ct);
        operation.Responses ??= [];

        if (anonymous)
        {
            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            operation.Extensions[AnonymousExtension] = new JsonNodeExtension(true);
        }

        Add(operation, "400", "Malformed request: bad JSON, a wrong type or an unknown enum value.", problem);
        if (!anonymous)
        {
            Add(operation, "401", "Missing, invalid or expired token.", problem);
            Add(operation, "403", "The caller's kind of organisation may not do this.", problem);
        }

        if (hasId)
        {
            Add(operation, "404", "Not found, or not visible to the caller.", problem);
        }

        if (hasBody)
        {
            Add(operation, "413", "Body larger than 256 KiB.", problem);
            Add(operation, "415", "The body is not JSON.", problem);
            Add(operation, "422", "Well-formed but invalid; errors names each field.", validation);
        }

        if (hasId && !HttpMethods.IsGet(method))
        {
            Add(operation, "409", "Conflicts with the current state, or If-Match no longer matches.", problem);
        }
    }

    /// <summary>
    /// The contract's Idempotency-Key on a POST that creates something (<see cref="IdempotencyKeys.WithIdempotencyKey"/>
    /// adds it to the endpoint's operation).
    /// </summary>
    public static Task AddIdempotencyKeyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = IdempotencyKeys.HeaderName,
            In = ParameterLocation.Header,
            Required = false,
            Description = "The same key from the same organisation returns the original result and creates nothing new; "
                + "the same key with a different body is 422. At most 200 characters.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 200 },
        });
        return Task.CompletedTask;
    }

    private static OpenApiHeader StringHeader(string description) =>
        new() { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };

    private static async Task<IOpenApiSchema> ComponentAsync(OpenApiOperationTransformerContext context, string id, Type type, CancellationToken ct)
    {
        var document = context.Document!;
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(id))
        {
            document.AddComponent(id, await context.GetOrCreateSchemaAsync(type, null, ct));
        }

        return new OpenApiSchemaReference(id, document);
    }

    private static void Add(OpenApiOperation operation, string status, string description, IOpenApiSchema schema)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }

        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { [ProblemContentType] = new OpenApiMediaType { Schema = schema } },
        };
    }
}
