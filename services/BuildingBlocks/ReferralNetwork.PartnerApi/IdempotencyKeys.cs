using System.Security.Cryptography;
using System.Text.Json;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ReferralNetwork.PartnerApi;

/// <summary>The first response to a POST with an Idempotency-Key, kept to answer repeats with.</summary>
public sealed record IdempotentResponse(string Id, string BodyHash, int StatusCode, string? Location, string ResponseJson, DateTimeOffset At);

/// <summary>What an Idempotency-Key from a caller without a token does on a route.</summary>
public enum AnonymousKeys
{
    /// <summary>Nothing: there is no organisation to scope it to (the default).</summary>
    Ignored,

    /// <summary>
    /// Scoped to the key and the exact body together: only a request that repeats both is answered with the
    /// first one's response, so it can only ever tell a caller what that caller sent. Another body with the
    /// same key is simply another submission (never 422, which would tell a stranger the key was used).
    /// </summary>
    ScopedToBody,
}

/// <summary>
/// Idempotency-Key on creating POSTs: the same key from the same organisation gets the original
/// response and creates nothing; the same key with another body is 422. Without a token it is ignored,
/// unless the route scopes anonymous keys to the body (<see cref="AnonymousKeys.ScopedToBody"/>). The handler stores the
/// response in the same transaction as what it creates (<see cref="IdempotencyScope.Remember"/>).
/// </summary>
public static class IdempotencyKeys
{
    public const string HeaderName = "Idempotency-Key";

    /// <summary>Where anonymous keys' stored responses live: a scope no organisation id can spell.</summary>
    public const string AnonymousScope = "anonymous";

    public static RouteHandlerBuilder WithIdempotencyKey(this RouteHandlerBuilder endpoint, AnonymousKeys anonymous = AnonymousKeys.Ignored)
    {
        // Filters run after the body is bound (and consumed), so buffer it before binding: wrap the
        // finished request delegate, or the filter would hash an empty stream and never spot a changed body.
        endpoint.Finally(b =>
        {
            var handler = b.RequestDelegate ?? throw new InvalidOperationException("WithIdempotencyKey needs a route handler.");
            b.RequestDelegate = context =>
            {
                if (context.Request.Headers.ContainsKey(HeaderName))
                {
                    context.Request.EnableBuffering();
                }

                return handler(context);
            };
        });

        endpoint.AddOpenApiOperationTransformer(PartnerOpenApi.AddIdempotencyKeyAsync);
        return endpoint.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var key = http.Request.Headers[HeaderName].ToString();
            if (string.IsNullOrEmpty(key))
            {
                return await next(context);
            }

            if (key.Length > 200)
            {
                return Problems.BadRequest("Idempotency-Key may be at most 200 characters.");
            }

            // Keys are an organisation's. An anonymous caller has none to scope one to, and a scope the public shared
            // would let one member of the public claim a key first and be answered with another's submission; so
            // unless the route scopes anonymous keys to the body as well, an anonymous key does nothing.
            var organisation = http.User.FindFirst(Authentication.NetworkTokens.OrganisationClaim)?.Value;
            if (organisation is null && anonymous == AnonymousKeys.Ignored)
            {
                return await next(context);
            }

            var hash = await HashBodyAsync(http.Request);
            var id = organisation is null ? AnonymousIdFor(http.Request.Path, key, hash) : $"{organisation}|{http.Request.Path}|{key}";
            var scope = http.RequestServices.GetRequiredService<IdempotencyScope>();
            var query = http.RequestServices.GetRequiredService<IQuerySession>();

            if (await query.LoadAsync<IdempotentResponse>(id, http.RequestAborted) is { } earlier)
            {
                return Replay(earlier, hash);
            }

            scope.Begin(id, hash);
            try
            {
                return await next(context);
            }
            catch (DocumentAlreadyExistsException)
            {
                // A concurrent request with the same key committed first: answer as it did.
                var winner = await query.LoadAsync<IdempotentResponse>(id, http.RequestAborted);
                return winner is null ? throw new InvalidOperationException("Idempotency record vanished.") : Replay(winner, hash);
            }
            catch (Exception) when (!http.RequestAborted.IsCancellationRequested)
            {
                // A concurrent request with the same key may have committed first and ours failed because it did: on
                // the stream both appended to (a version conflict, a stale If-Match) or in the decision on the state
                // it left (already referred to that service). Then the key's answer is the first result, whatever
                // ours was; with no stored result (or no database to ask) the failure is ours to report.
                if (await StoredAfterFailureAsync(query, id, http.RequestAborted) is { } winner)
                {
                    return Replay(winner, hash);
                }

                throw;
            }
        });
    }

    private static async Task<IdempotentResponse?> StoredAfterFailureAsync(IQuerySession query, string id, CancellationToken ct)
    {
        try
        {
            return await query.LoadAsync<IdempotentResponse>(id, ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// An anonymous key's record: the key and the body's hash hashed together, so a stored response is found only
    /// by a request carrying both, and the record's id spells neither the key nor the body.
    /// </summary>
    internal static string AnonymousIdFor(PathString path, string key, string bodyHash)
    {
        // The body's hash has a fixed length, so "hash + key" cannot be read two ways.
        var scoped = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(bodyHash + key));
        return $"{AnonymousScope}|{path}|{Convert.ToHexStringLower(scoped)}";
    }

    /// <summary>
    /// Erasure: the stored responses that mention <paramref name="referralId"/> keep their key (so a late
    /// retry still creates nothing) but lose their body, except the created resource's id.
    /// </summary>
    public static async Task ForgetResponsesAboutAsync(IDocumentSession session, Guid referralId, CancellationToken ct)
    {
        var id = referralId.ToString();
        var responses = await session.Query<IdempotentResponse>()
            .Where(r => r.ResponseJson.Contains(id) || (r.Location != null && r.Location.Contains(id)))
            .ToListAsync(ct);
        foreach (var response in responses)
        {
            session.Store(response with { ResponseJson = IdOnly(response.ResponseJson) });
        }
    }

    private static string IdOnly(string responseJson)
    {
        using var document = JsonDocument.Parse(responseJson);
        return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("id", out var created)
            ? JsonSerializer.Serialize(new { id = created })
            : "{}";
    }

    private static IResult Replay(IdempotentResponse earlier, string hash)
    {
        if (earlier.BodyHash != hash)
        {
            return Problems.Invalid(HeaderName, "This Idempotency-Key was already used with a different body.");
        }

        return new ReplayedResult(earlier);
    }

    private static async Task<string> HashBodyAsync(HttpRequest request)
    {
        request.EnableBuffering();
        request.Body.Position = 0;
        var hash = await SHA256.HashDataAsync(request.Body, request.HttpContext.RequestAborted);
        request.Body.Position = 0;
        return Convert.ToHexStringLower(hash);
    }

    private sealed class ReplayedResult(IdempotentResponse earlier) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = earlier.StatusCode;
            if (earlier.Location is not null)
            {
                httpContext.Response.Headers.Location = earlier.Location;
            }

            httpContext.Response.ContentType = "application/json; charset=utf-8";
            await httpContext.Response.WriteAsync(earlier.ResponseJson);
        }
    }
}

/// <summary>Per request: whether an Idempotency-Key applies, and recording the response for it.</summary>
public sealed class IdempotencyScope(TimeProvider clock, Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    private string? id;
    private string? hash;

    internal void Begin(string key, string bodyHash)
    {
        id = key;
        hash = bodyHash;
    }

    /// <summary>Stores the response in <paramref name="session"/> so it commits with what the request created.</summary>
    public void Remember(IDocumentSession session, int statusCode, string? location, object body)
    {
        if (id is null || hash is null)
        {
            return;
        }

        var responseJson = JsonSerializer.Serialize(body, body.GetType(), json.Value.SerializerOptions);
        session.Insert(new IdempotentResponse(id, hash, statusCode, location, responseJson, clock.GetUtcNow()));
    }
}
