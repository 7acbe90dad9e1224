using System.Text.Json;
using System.Text.Json.Serialization;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.PartnerApi;

/// <summary>The partner API's conventions (partner-api.md): body limit, JSON, problem details, idempotency keys.</summary>
public static class PartnerApiExtensions
{
    /// <summary>The partner API's body limit (partner-api.md conventions).</summary>
    public const long MaxRequestBodyBytes = 256 * 1024;

    public static IHostApplicationBuilder AddPartnerApi(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.Services.Configure<JsonOptions>(o => ConfigureJson(o.SerializerOptions));
        // Binding failures (bad JSON, unknown enum value, wrong content type) reach the exception
        // handler, which turns them into problem details with a useful detail.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            if (ctx.HttpContext.Items.TryGetValue(CorrelationId.ItemKey, out var id) && id is string correlationId)
            {
                ctx.ProblemDetails.Extensions["correlationId"] = correlationId;
            }
        });
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddScoped<IdempotencyScope>();
        builder.Services.ConfigureMarten(opts => opts.Schema.For<IdempotentResponse>());
        builder.Services.AddIdempotencyKeyExpiry();
        return builder;
    }

    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
    }

    /// <summary>The request pipeline every service shares, up to its own endpoints.</summary>
    public static WebApplication UsePartnerApi(this WebApplication app)
    {
        // First, so every answer after it carries them, errors and proxied responses included.
        app.Use(SecurityHeaders.ApplyAsync);
        app.UseMiddleware<CorrelationId>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestSizeGuard>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(ActingPeople.RecordAsync);
        return app;
    }
}

/// <summary>
/// A person's call records them on everything it appends: the request's session is stamped before any
/// handler uses it. A system's call (client credentials) stamps nothing; nothing is resolved for it.
/// </summary>
public static class ActingPeople
{
    public static Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        if (context.User.Identity?.IsAuthenticated == true && context.User.HasClaim(c => c.Type == NetworkTokens.PersonClaim)
            && Caller.From(context.User).Person is { } person)
        {
            context.RequestServices.GetRequiredService<IDocumentSession>().LastModifiedBy = person.ToString();
        }

        return next(context);
    }
}

/// <summary>
/// Headers on every response. no-store everywhere rather than per endpoint: person data can appear in
/// any /api answer (and in problem details echoing it), and a rule that needs remembering on each new
/// endpoint will one day be forgotten; the public directory loses only caching. nosniff so no answer
/// is ever rendered as something other than its declared type.
/// </summary>
public static class SecurityHeaders
{
    public const string NoStore = "no-store";
    public const string NoSniff = "nosniff";

    public static Task ApplyAsync(HttpContext context, RequestDelegate next)
    {
        // Set when the response starts, so they overwrite whatever a handler or a proxied service set.
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.CacheControl = NoStore;
            headers.XContentTypeOptions = NoSniff;
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    }
}
