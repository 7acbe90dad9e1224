using System.Text.Json.Serialization;

namespace ReferralNetwork.Gateway.Tokens;

/// <summary>The OAuth 2.0 error codes the token endpoint answers with (RFC 6749 §5.2).</summary>
public static class TokenErrors
{
    public const string InvalidRequest = "invalid_request";
    public const string InvalidClient = "invalid_client";
    public const string UnsupportedGrantType = "unsupported_grant_type";

    public static string Describe(string error) => error switch
    {
        InvalidRequest => "Send grant_type, client_id and client_secret as an application/x-www-form-urlencoded body (or the client credentials as HTTP Basic).",
        InvalidClient => "Unknown client or wrong secret.",
        UnsupportedGrantType => "Only the client_credentials grant is supported.",
        _ => error,
    };
}

/// <summary>RFC 6749 §5.1: the successful token response; OAuth's own snake_case names.</summary>
public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);

/// <summary>RFC 6749 §5.2: the error response.</summary>
public sealed record TokenError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string Description);
