using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Caching.Memory;

namespace ReferralNetwork.Web.SignIn;

/// <summary>
/// People's sign-in sessions, held on the server: the browser's cookie carries only a random key, so the
/// person's access token never reaches the browser. The key is also a claim of the session's principal,
/// which is how a page's live connection (which has no cookie handler of its own) finds its token.
/// In memory: a restart of the app asks people to sign in again, which the gateway's own session makes
/// a redirect, not a password (docs/design.md).
/// </summary>
public sealed class PersonSessions(IMemoryCache sessions, TimeProvider clock) : ITicketStore
{
    public const string KeyClaim = "rn_session";

    /// <summary>How long a session lives without a token to use: the network's tokens last an hour.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromHours(1);

    public Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        if (ticket.Principal.Identity is ClaimsIdentity identity)
        {
            identity.AddClaim(new Claim(KeyClaim, key));
        }

        Keep(key, ticket);
        return Task.FromResult(key);
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        Keep(key, ticket);
        return Task.CompletedTask;
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) =>
        Task.FromResult(sessions.TryGetValue(Entry(key), out AuthenticationTicket? ticket) ? ticket : null);

    public Task RemoveAsync(string key)
    {
        sessions.Remove(Entry(key));
        return Task.CompletedTask;
    }

    /// <summary>The person's access token for the partner API, while their session and its token last.</summary>
    public string? AccessTokenOf(ClaimsPrincipal person)
    {
        if (person.FindFirst(KeyClaim)?.Value is not { } key || !sessions.TryGetValue(Entry(key), out AuthenticationTicket? ticket) || ticket is null)
        {
            return null;
        }

        return TokenExpiry(ticket.Properties) is { } expires && expires > clock.GetUtcNow() ? ticket.Properties.GetTokenValue("access_token") : null;
    }

    /// <summary>When the session's access token stops working (saved by the OpenID Connect handler).</summary>
    public static DateTimeOffset? TokenExpiry(AuthenticationProperties properties) =>
        DateTimeOffset.TryParse(properties.GetTokenValue("expires_at"), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    private void Keep(string key, AuthenticationTicket ticket)
    {
        var until = TokenExpiry(ticket.Properties) ?? ticket.Properties.ExpiresUtc ?? clock.GetUtcNow() + Longest;
        sessions.Set(Entry(key), ticket, until);
    }

    // Its own prefix, so nothing else kept in the same cache can be read as a session.
    private static string Entry(string key) => $"{CookieAuthenticationDefaults.AuthenticationScheme}:session:{key}";
}
