using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Gateway.Clients;
using ReferralNetwork.Gateway.RateLimiting;

namespace ReferralNetwork.Gateway.Tokens;

public static class TokenApi
{
    public static IEndpointRouteBuilder MapTokenApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/connect/token", IssueToken)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimits.TokenPolicy)
            .WithName("IssueToken")
            .WithTags("Authentication")
            // The handler reads the form itself (TokenRequest), so the generator is told what it takes and gives.
            .Accepts<ClientCredentialsForm>("application/x-www-form-urlencoded")
            .Produces<TokenError>(StatusCodes.Status400BadRequest)
            .Produces<TokenError>(StatusCodes.Status401Unauthorized)
            .WithSummary("OAuth 2.0 client credentials grant: a bearer token for the calling organisation.");
        return app;
    }

    public static async Task<Results<Ok<TokenResponse>, JsonHttpResult<TokenError>>> IssueToken(
        HttpContext http, ClientAuthentication clients, TokenIssuer issuer, CancellationToken ct)
    {
        // RFC 6749 §5.1: token responses must not be cached, errors included.
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";

        var (request, error) = await TokenRequest.ReadAsync(http.Request, ct);
        if (request is null)
        {
            return Refuse(error ?? TokenErrors.InvalidRequest);
        }

        var subject = await clients.AuthenticateAsync(request.ClientId, request.ClientSecret, ct);
        if (subject is null)
        {
            if (request.ViaBasicAuthentication)
            {
                // RFC 6749 §5.2: a client that tried HTTP Basic gets 401 with a challenge.
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"referral-network\"";
                return TypedResults.Json(new TokenError(TokenErrors.InvalidClient, TokenErrors.Describe(TokenErrors.InvalidClient)),
                    statusCode: StatusCodes.Status401Unauthorized);
            }

            return Refuse(TokenErrors.InvalidClient);
        }

        var token = issuer.Issue(subject);
        return TypedResults.Ok(new TokenResponse(token, "Bearer", (int)TokenIssuer.Lifetime.TotalSeconds));
    }

    private static JsonHttpResult<TokenError> Refuse(string error) =>
        TypedResults.Json(new TokenError(error, TokenErrors.Describe(error)), statusCode: StatusCodes.Status400BadRequest);
}

/// <summary>The token request's form (RFC 6749 §4.4), as the OpenAPI document describes it.</summary>
public sealed record ClientCredentialsForm(
    [property: JsonPropertyName("grant_type")] string GrantType,
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("client_secret")] string ClientSecret);
