using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace ReferralNetwork.Web.SignIn;

/// <summary>
/// People sign in at the gateway (its OpenID Connect server: password and authenticator there, never here),
/// with the authorization code flow and PKCE; the app is a confidential client. The session is a cookie
/// holding a key to <see cref="PersonSessions"/>, and lasts as long as the network token it keeps.
/// </summary>
public static class PeopleSignIn
{
    public const string CookieName = "__Host-rn-app";
    public const string AntiforgeryCookieName = "__Host-rn-app-antiforgery";
    public const string CallbackPath = "/signin-oidc";
    public const string SignedOutCallbackPath = "/signout-callback-oidc";

    /// <summary>Only people of these kinds of organisation have pages here yet.</summary>
    public const string ProviderPolicy = "provider";
    public const string LinkWorkerServicePolicy = "link-worker-service";

    public static IHostApplicationBuilder AddPeopleSignIn(this IHostApplicationBuilder builder, WebAppOptions options)
    {
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<PersonSessions>();
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<PersonSessions>((cookie, sessions) => cookie.SessionStore = sessions);

        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(o =>
            {
                Harden(o.Cookie, options, CookieName);
                o.ExpireTimeSpan = PersonSessions.Longest;
                o.SlidingExpiration = false;
                o.AccessDeniedPath = "/not-allowed";
                o.Events.OnValidatePrincipal = EndWithTokenAsync;
            })
            .AddOpenIdConnect(o =>
            {
                o.Authority = options.Authority!.ToString();
                o.RequireHttpsMetadata = !options.AllowHttp;
                o.ClientId = options.ClientId;
                o.ClientSecret = options.ClientSecret;
                o.ResponseType = OpenIdConnectResponseType.Code;
                // A redirect, not a self-posting form: the gateway's pages allow no script.
                o.ResponseMode = OpenIdConnectResponseMode.Query;
                o.UsePkce = true;
                o.SaveTokens = true;
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.Scope.Clear();
                o.Scope.Add(OpenIdConnectScope.OpenId);
                o.CallbackPath = CallbackPath;
                o.SignedOutCallbackPath = SignedOutCallbackPath;
                o.SignedOutRedirectUri = options.PathBase + "/";
                o.TokenValidationParameters.NameClaimType = Person.PersonNameClaim;
                Harden(o.CorrelationCookie, options);
                Harden(o.NonceCookie, options);
                o.Events.OnRedirectToIdentityProvider = context =>
                {
                    // The app sits behind the gateway: its public addresses are the gateway's, not what it was called on.
                    context.ProtocolMessage.RedirectUri = options.Public(CallbackPath);
                    return Task.CompletedTask;
                };
                o.Events.OnRedirectToIdentityProviderForSignOut = context =>
                {
                    context.ProtocolMessage.PostLogoutRedirectUri = options.Public(SignedOutCallbackPath);
                    return Task.CompletedTask;
                };
                o.Events.OnTokenValidated = TakeNetworkClaims;
                o.Events.OnRemoteFailure = context =>
                {
                    // A cancelled or refused sign-in (the person pressed back, their access has ended): say so plainly.
                    context.Response.Redirect($"{options.PathBase}/sign-in-failed");
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ProviderPolicy, p => p.RequireClaim(Person.KindClaim, Person.CommunityProvider))
            .AddPolicy(LinkWorkerServicePolicy, p => p.RequireClaim(Person.KindClaim, Person.LinkWorkerService));
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    /// <summary>
    /// Signing in and out. The handlers redirect to what they are given as it is, so addresses get the
    /// app's path base here (<c>/inbox</c> → <c>/app/inbox</c>).
    /// </summary>
    public static IEndpointRouteBuilder MapPeopleSignIn(this IEndpointRouteBuilder app, WebAppOptions options)
    {
        app.MapGet("/sign-in", (string? returnUrl) =>
            TypedResults.Challenge(new AuthenticationProperties { RedirectUri = options.PathBase + LocalOrHome(returnUrl) }));
        // A form post with the antiforgery token: nobody else's page can sign a person out.
        app.MapPost("/sign-out", async Task<Results<SignOutHttpResult, BadRequest>> (HttpContext http, IAntiforgery antiforgery) =>
            await antiforgery.IsRequestValidAsync(http)
                ? TypedResults.SignOut(new AuthenticationProperties { RedirectUri = options.PathBase + "/" },
                    [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme])
                : TypedResults.BadRequest())
            .DisableAntiforgery();
        return app;
    }

    /// <summary>Where to go after signing in: only an address of this app, never another site.</summary>
    public static string LocalOrHome(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Contains("://", StringComparison.Ordinal)
            ? url
            : "/";

    /// <summary>
    /// The person and their organisation, from the network token the gateway issued (received over the back
    /// channel, authenticated with the client's secret): the id token names only the person.
    /// </summary>
    private static Task TakeNetworkClaims(TokenValidatedContext context)
    {
        var token = context.TokenEndpointResponse?.AccessToken;
        var identity = context.Principal?.Identity as ClaimsIdentity;
        if (token is null || identity is null)
        {
            context.Fail("The gateway sent no access token.");
            return Task.CompletedTask;
        }

        var network = new JsonWebTokenHandler().ReadJsonWebToken(token);
        foreach (var type in new[] { Person.PersonClaim, Person.PersonNameClaim, Person.OrganisationClaim, Person.OrganisationNameClaim, Person.KindClaim })
        {
            if (network.TryGetClaim(type, out var claim))
            {
                identity.AddClaim(new Claim(type, claim.Value));
            }
        }

        if (Person.Of(context.Principal!) is null)
        {
            context.Fail("The access token does not name a person and their organisation.");
        }

        return Task.CompletedTask;
    }

    /// <summary>The session ends with its token: the next request signs in again (silently, while the gateway's session lasts).</summary>
    private static async Task EndWithTokenAsync(CookieValidatePrincipalContext context)
    {
        var now = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (PersonSessions.TokenExpiry(context.Properties) is not { } expires || expires <= now.AddMinutes(1))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    /// <summary>
    /// Only over HTTPS, never readable by script; Lax, so the redirect back from the gateway's sign-in carries
    /// them. Where the gateway is plain HTTP on loopback (Web:AllowHttp) they go as the request came, and a
    /// <c>__Host-</c> name, which must be Secure, loses its prefix.
    /// </summary>
    public static void Harden(CookieBuilder cookie, WebAppOptions options, string? name = null)
    {
        if (name is not null)
        {
            cookie.Name = options.AllowHttp && name.StartsWith("__Host-", StringComparison.Ordinal) ? name["__Host-".Length..] : name;
        }

        cookie.HttpOnly = true;
        cookie.SecurePolicy = options.AllowHttp ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        cookie.SameSite = SameSiteMode.Lax;
    }
}
