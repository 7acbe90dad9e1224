using System.Net.Http.Headers;
using System.Text;

namespace ReferralNetwork.Gateway.Tokens;

/// <summary>A client credentials grant request (RFC 6749 §4.4), credentials from the form or HTTP Basic (§2.3.1).</summary>
public sealed record TokenRequest(string ClientId, string ClientSecret, bool ViaBasicAuthentication)
{
    public const string ClientCredentialsGrant = "client_credentials";

    // Far longer than any real id or secret; keeps hashing and lookups cheap for junk.
    private const int MaxCredentialLength = 256;

    /// <summary>The request, or the OAuth error code that refuses it.</summary>
    public static async Task<(TokenRequest? Request, string? Error)> ReadAsync(HttpRequest http, CancellationToken ct)
    {
        if (!http.HasFormContentType)
        {
            return (null, TokenErrors.InvalidRequest);
        }

        IFormCollection form;
        try
        {
            form = await http.ReadFormAsync(ct);
        }
        catch (InvalidDataException)
        {
            // Past the form reader's limits (too many or too long values): not a token request.
            return (null, TokenErrors.InvalidRequest);
        }

        // RFC 6749 §3.2: parameters must not be repeated.
        if (form.Any(field => field.Value.Count > 1))
        {
            return (null, TokenErrors.InvalidRequest);
        }

        var grantType = form["grant_type"].ToString();
        if (string.IsNullOrEmpty(grantType))
        {
            return (null, TokenErrors.InvalidRequest);
        }

        if (grantType != ClientCredentialsGrant)
        {
            return (null, TokenErrors.UnsupportedGrantType);
        }

        var formId = form["client_id"].ToString();
        var formSecret = form["client_secret"].ToString();
        var basic = ReadBasic(http);
        if (basic is { } fromHeader)
        {
            // RFC 6749 §2.3: a client must not use more than one way to authenticate.
            if (formSecret.Length > 0 || (formId.Length > 0 && formId != fromHeader.Id))
            {
                return (null, TokenErrors.InvalidRequest);
            }

            return Checked(fromHeader.Id, fromHeader.Secret, true);
        }

        return Checked(formId, formSecret, false);
    }

    // Never print the secret, whatever ends up logging this.
    public override string ToString() => $"TokenRequest {{ ClientId = {ClientId} }}";

    private static (TokenRequest?, string?) Checked(string id, string secret, bool basic) =>
        id.Length is 0 or > MaxCredentialLength || secret.Length is 0 or > MaxCredentialLength
            ? (null, TokenErrors.InvalidRequest)
            : (new TokenRequest(id, secret, basic), null);

    private static (string Id, string Secret)? ReadBasic(HttpRequest http)
    {
        if (!AuthenticationHeaderValue.TryParse(http.Headers.Authorization.ToString(), out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            || header.Parameter is null)
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return ("", "");
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return ("", "");
        }

        // RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined and encoded.
        return (FormDecode(decoded[..colon]), FormDecode(decoded[(colon + 1)..]));
    }

    private static string FormDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));
}
