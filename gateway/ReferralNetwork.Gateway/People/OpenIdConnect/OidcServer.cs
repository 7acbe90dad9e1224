using System.Globalization;
using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using ReferralNetwork.Gateway.Organisations;
using ReferralNetwork.Gateway.Tokens;
using ReferralNetwork.PartnerApi.Authentication;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace ReferralNetwork.Gateway.People.OpenIdConnect;

/// <summary>
/// The OpenID Connect server people's web apps sign in through: authorization code with PKCE (S256) only,
/// for the clients in configuration. Access tokens are the network's (<see cref="NetworkAccessTokens"/>);
/// id tokens are signed with the same key.
/// </summary>
public static class OidcServer
{
    public const string AuthorizePath = "/oidc/authorize";
    public const string TokenPath = "/oidc/token";
    public const string LogoutPath = "/oidc/logout";

    /// <summary>Base64 of 32 random bytes: encrypts authorization codes; every replica needs the same, and it must outlive restarts.</summary>
    public const string CodeKeySetting = "People:CodeEncryptionKey";

    /// <summary>
    /// True only where the gateway is served over plain HTTP on loopback (the AppHost): OpenIddict otherwise
    /// refuses anything but HTTPS. Never true behind a network.
    /// </summary>
    public const string AllowHttpSetting = "People:AllowHttp";

    public static IHostApplicationBuilder AddPeopleSignInServer(this IHostApplicationBuilder builder, TokenIssuer issuer)
    {
        var codeKey = CodeKey(builder.Configuration);
        // Checked now, so a bad client stops the gateway at start.
        OidcClients.Read(builder.Configuration);

        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<PeopleDb>().ReplaceDefaultEntities<Guid>())
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris(AuthorizePath.TrimStart('/'))
                    .SetTokenEndpointUris(TokenPath.TrimStart('/'))
                    .SetEndSessionEndpointUris(LogoutPath.TrimStart('/'));
                // Nothing else: no implicit, hybrid, password, client credentials (that is /connect/token) or refresh tokens.
                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                server.Configure(o =>
                {
                    o.CodeChallengeMethods.Clear();
                    o.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
                });
                server.AddSigningCredentials(issuer.Signing);
                server.AddEncryptionKey(codeKey);
                // The services read access tokens as they are: signed, not encrypted.
                server.DisableAccessTokenEncryption();
                server.SetAccessTokenLifetime(TokenIssuer.Lifetime);
                server.SetAuthorizationCodeLifetime(TimeSpan.FromMinutes(2));
                server.AddEventHandler(NetworkAccessTokens.Descriptor);
                var aspNetCore = server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough();
                if (builder.Configuration.GetValue<bool>(AllowHttpSetting))
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            });

        builder.Services.AddHostedService<OidcClients>();
        builder.Services.AddSingleton<OidcPruning>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OidcPruning>());
        return builder;
    }

    public static IEndpointRouteBuilder MapPeopleSignInServer(this IEndpointRouteBuilder app)
    {
        // Anonymous to the network's bearer policy: OpenIddict checks the client, and the person's session is checked here.
        app.MapMethods(AuthorizePath, ["GET", "POST"], AuthorizeAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(TokenPath, ExchangeAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapMethods(LogoutPath, ["GET", "POST"], LogoutAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    internal static SymmetricSecurityKey CodeKey(IConfiguration configuration)
    {
        // Base64 or its URL-safe form (what the AppHost's generated secrets are).
        var encoded = (configuration[CodeKeySetting] ?? "").Trim().Replace('-', '+').Replace('_', '/');
        encoded = encoded.PadRight(encoded.Length + ((4 - (encoded.Length % 4)) % 4), '=');
        if (Convert.TryFromBase64String(encoded, new byte[64], out var length) && length == 32)
        {
            return new SymmetricSecurityKey(Convert.FromBase64String(encoded));
        }

        throw new InvalidOperationException($"{CodeKeySetting} must be base64 of 32 random bytes (e.g. openssl rand -base64 32), the same on every gateway replica.");
    }

    /// <summary>A person signed in on the gateway's pages, allowed to sign in now, gets a code; anyone else is sent to sign in first.</summary>
    private static async Task<IResult> AuthorizeAsync(HttpContext http, PersonSignIn signIn, UserManager<PersonAccount> accounts)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var session = await http.AuthenticateAsync(PersonSignIn.SessionScheme);
        var account = session.Succeeded ? await accounts.GetUserAsync(session.Principal!) : null;
        if (account is null || !await signIn.CanSignInAsync(account))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.LoginRequired, "The person is not signed in.");
            }

            // Back here once signed in: the request's own parameters, which carry no personal data.
            var parameters = http.Request.HasFormContentType ? http.Request.Form.AsEnumerable() : http.Request.Query.AsEnumerable();
            var returnUrl = http.Request.PathBase + http.Request.Path + QueryString.Create(parameters);
            return Results.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [PersonSignIn.SessionScheme]);
        }

        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, account.Id.ToString())
            .SetClaim(Claims.Name, account.Name)
            .SetClaim(NetworkTokens.PersonClaim, account.Id.ToString());
        identity.SetScopes(request.GetScopes().Intersect([Scopes.OpenId]));
        identity.SetDestinations(IdTokenOnly);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>
    /// The code for tokens. OpenIddict has checked the client, the code, the redirect address and the PKCE
    /// verifier; the person and their organisation are checked again now, and the claims read fresh
    /// (the organisation's current credential generation), so an ended account or suspended organisation gets nothing.
    /// </summary>
    private static async Task<IResult> ExchangeAsync(HttpContext http, PersonSignIn signIn, UserManager<PersonAccount> accounts, IQuerySession registry)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (!request.IsAuthorizationCodeGrantType())
        {
            return Refuse(Errors.UnsupportedGrantType, "Only the authorization code grant is served here.");
        }

        var code = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var account = code.Principal?.GetClaim(Claims.Subject) is { } id ? await accounts.FindByIdAsync(id) : null;
        if (account is null || !await signIn.CanSignInAsync(account)
            || await registry.LoadAsync<Organisation>(account.OrganisationId, http.RequestAborted) is not { Suspended: false } organisation)
        {
            return Refuse(Errors.InvalidGrant, "The person may no longer sign in.");
        }

        var identity = new ClaimsIdentity(code.Principal!.Claims, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Name, account.Name)
            .SetClaim(NetworkTokens.PersonClaim, account.Id.ToString())
            .SetClaim(NetworkTokens.PersonNameClaim, account.Name)
            .SetClaim(NetworkTokens.OrganisationClaim, organisation.Id.ToString())
            .SetClaim(NetworkTokens.KindClaim, OrganisationKinds.ToWire(organisation.Kind))
            .SetClaim(NetworkTokens.AreaClaim, organisation.Area)
            .SetClaim(NetworkTokens.NameClaim, organisation.Name)
            .SetClaim(NetworkTokens.GenerationClaim, organisation.CredentialGeneration.ToString(CultureInfo.InvariantCulture));
        identity.SetDestinations(IdTokenOnly);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>Ends the person's session on the gateway, then returns to the client's registered address (OpenIddict checks it).</summary>
    private static async Task<IResult> LogoutAsync(HttpContext http, PersonSignIn signIn)
    {
        await signIn.SignOutAsync();
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/account/sign-in" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    // The access token is made by NetworkAccessTokens from the principal's claims; only sub and name go in the id token.
    private static IEnumerable<string> IdTokenOnly(Claim claim) => claim.Type switch
    {
        Claims.Subject or Claims.Name => [Destinations.AccessToken, Destinations.IdentityToken],
        _ => [Destinations.AccessToken],
    };

    private static IResult Refuse(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
