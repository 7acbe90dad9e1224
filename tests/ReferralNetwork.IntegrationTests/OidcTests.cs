using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ReferralNetwork.Gateway.People;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.IntegrationTests;

/// <summary>The gateway's OpenID Connect server: a person signs in through a web app and gets the network's own token.</summary>
[Collection(RealInfrastructureCollection.Name)]
public class OidcTests(RealInfrastructure infrastructure)
{
    private readonly GatewayPeople people = new(infrastructure);

    private sealed record Pkce(string Verifier, string Challenge)
    {
        public static Pkce New()
        {
            var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
            return new Pkce(verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
        }
    }

    private static string AuthorizeUrl(Pkce? pkce, string method = "S256", string responseType = "code", string redirectUri = RealInfrastructure.WebAppRedirectUri) =>
        QueryHelpers.AddQueryString("/oidc/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = RealInfrastructure.WebAppClientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = responseType,
            ["scope"] = "openid",
            ["state"] = "state-123",
            ["nonce"] = "nonce-456",
            ["code_challenge"] = pkce?.Challenge,
            ["code_challenge_method"] = pkce is null ? null : method,
        }.Where(p => p.Value is not null));

    /// <summary>Signs the person in through the authorize request, as a browser sent there by the web app would; returns the code.</summary>
    private static async Task<string> SignInForCodeAsync(PageBrowser browser, AccountPagesTests.Enrolled person, Pkce pkce)
    {
        var (start, _) = await browser.GetAsync(AuthorizeUrl(pkce));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var signInPage = start.Headers.Location!.PathAndQuery;
        Assert.StartsWith("/account/sign-in", signInPage);
        var returnUrl = QueryHelpers.ParseQuery(start.Headers.Location.Query)["ReturnUrl"].ToString();

        var (password, _) = await AccountPagesTests.SignInAsync(browser, person.Person.Email, AccountPagesTests.Password, returnUrl);
        Assert.StartsWith("/account/second-factor", password.Headers.Location!.OriginalString);
        var (second, _) = await browser.SubmitAsync(password.Headers.Location.OriginalString, new Dictionary<string, string> { ["Code"] = await person.App.NextCodeAsync() });
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.StartsWith("/oidc/authorize", second.Headers.Location!.OriginalString);

        var (authorized, html) = await browser.GetAsync(second.Headers.Location.OriginalString);
        Assert.True(authorized.StatusCode == HttpStatusCode.Redirect, html);
        var back = authorized.Headers.Location!;
        Assert.StartsWith(RealInfrastructure.WebAppRedirectUri, back.GetLeftPart(UriPartial.Path));
        var query = QueryHelpers.ParseQuery(back.Query);
        Assert.Equal("state-123", query["state"].ToString());
        return query["code"].ToString();
    }

    private async Task<HttpResponseMessage> ExchangeAsync(string code, string verifier, string? secret = null) =>
        await new PageBrowser(infrastructure.Gateway).Client.PostAsync("/oidc/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = RealInfrastructure.WebAppRedirectUri,
            ["code_verifier"] = verifier,
            ["client_id"] = RealInfrastructure.WebAppClientId,
            ["client_secret"] = secret ?? infrastructure.WebAppSecret,
        }));

    [Fact]
    public async Task A_person_signs_in_with_password_and_code_and_the_web_app_gets_the_networks_token_for_them()
    {
        var (_, person) = await AccountPagesTests.AcceptAsync(infrastructure, people, PersonRoles.Administrator);
        var pkce = Pkce.New();
        var code = await SignInForCodeAsync(new PageBrowser(infrastructure.Gateway), person, pkce);

        var exchanged = await ExchangeAsync(code, pkce.Verifier);
        var body = await exchanged.Content.ReadAsStringAsync();
        Assert.True(exchanged.IsSuccessStatusCode, body);
        var tokens = JsonDocument.Parse(body).RootElement;
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        Assert.True(tokens.TryGetProperty("id_token", out _));

        // Checked exactly as every service checks tokens.
        var publicKey = NetworkTokens.PublicKey(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        var validated = await new JsonWebTokenHandler().ValidateTokenAsync(accessToken, NetworkTokens.ValidationParameters(publicKey));
        Assert.True(validated.IsValid, validated.Exception?.Message + " " + Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(accessToken.Split('.')[1])));
        var jwt = (JsonWebToken)validated.SecurityToken;
        Assert.Equal(publicKey.KeyId, jwt.Kid);
        Assert.Equal("JWT", jwt.Typ);
        string Claim(string type) => jwt.GetClaim(type).Value;
        Assert.Equal(person.Organisation.Id.ToString(), Claim(NetworkTokens.OrganisationClaim));
        Assert.Equal("community-provider", Claim(NetworkTokens.KindClaim));
        Assert.Equal(person.Organisation.Area, Claim(NetworkTokens.AreaClaim));
        Assert.StartsWith("Green Steps", Claim(NetworkTokens.NameClaim));
        Assert.Equal("0", Claim(NetworkTokens.GenerationClaim));
        Assert.Equal(person.Person.Id.ToString(), Claim(NetworkTokens.PersonClaim));
        Assert.Equal(person.Person.Id.ToString(), Claim("sub"));
        Assert.Equal("Sam Worker", Claim(NetworkTokens.PersonNameClaim));
        var caller = Caller.From(new System.Security.Claims.ClaimsPrincipal(validated.ClaimsIdentity));
        Assert.Equal(person.Person.Id, caller.PersonId);

        // The gateway accepts it (an administrator may list the organisation's people) until the person's access ends.
        var client = infrastructure.Gateway.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", accessToken);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/organisations/{person.Organisation.Id}/people")).StatusCode);

        // A code is good once.
        Assert.Equal(HttpStatusCode.BadRequest, (await ExchangeAsync(code, pkce.Verifier)).StatusCode);

        var operatorClient = await people.OperatorAsync();
        Assert.True((await operatorClient.DeleteAsync($"/api/organisations/{person.Organisation.Id}/people/{person.Person.Id}")).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/organisations/{person.Organisation.Id}/people")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_verifier_or_secret_gets_no_token_and_ending_access_or_suspending_voids_an_unused_code()
    {
        var (browser, person) = await AccountPagesTests.AcceptAsync(infrastructure, people);
        var pkce = Pkce.New();
        var code = await SignInForCodeAsync(new PageBrowser(infrastructure.Gateway), person, pkce);
        Assert.Equal(HttpStatusCode.BadRequest, (await ExchangeAsync(code, Pkce.New().Verifier)).StatusCode);

        var another = Pkce.New();
        var second = await SignInForCodeAsync(new PageBrowser(infrastructure.Gateway), person, another);
        var wrongSecret = await ExchangeAsync(second, another.Verifier, secret: "not-the-secret-of-the-web-app-at-all");
        Assert.False(wrongSecret.IsSuccessStatusCode);

        var third = Pkce.New();
        var unused = await SignInForCodeAsync(new PageBrowser(infrastructure.Gateway), person, third);
        var operatorClient = await people.OperatorAsync();
        Assert.True((await operatorClient.PostAsync($"/api/admin/organisations/{person.Organisation.Id}/suspend", null)).IsSuccessStatusCode);
        var refused = await ExchangeAsync(unused, third.Verifier);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("invalid_grant", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        // Nor does the session the person still holds get a new code.
        var (again, _) = await browser.GetAsync(AuthorizeUrl(Pkce.New()));
        Assert.DoesNotContain("code=", again.Headers.Location?.Query ?? "");
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("plain")]
    [InlineData("token")]
    [InlineData("code id_token")]
    public async Task Only_the_code_flow_with_an_S256_challenge_is_served(string variant)
    {
        var (browser, _) = await AccountPagesTests.AcceptAsync(infrastructure, people);
        var pkce = Pkce.New();
        var url = variant switch
        {
            "missing" => AuthorizeUrl(null),
            "plain" => AuthorizeUrl(pkce with { Challenge = pkce.Verifier }, method: "plain"),
            _ => AuthorizeUrl(pkce, responseType: variant),
        };

        var (response, _) = await browser.GetAsync(url);
        var location = response.Headers.Location?.OriginalString ?? "";
        Assert.DoesNotContain("code=", location);
        Assert.DoesNotContain("access_token=", location);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest || location.Contains("error=", StringComparison.Ordinal), $"{(int)response.StatusCode} {location}");
    }

    [Fact]
    public async Task An_unregistered_redirect_address_is_never_followed()
    {
        var (browser, _) = await AccountPagesTests.AcceptAsync(infrastructure, people);
        var (response, _) = await browser.GetAsync(AuthorizeUrl(Pkce.New(), redirectUri: "https://evil.test/steal"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Signing_out_through_the_web_app_ends_the_gateway_session_and_returns_only_to_a_registered_address()
    {
        var (browser, _) = await AccountPagesTests.AcceptAsync(infrastructure, people);
        var (stranger, _) = await browser.GetAsync("/oidc/logout?post_logout_redirect_uri=" + Uri.EscapeDataString("https://evil.test/"));
        Assert.False(stranger.Headers.Location?.OriginalString.StartsWith("https://evil.test", StringComparison.Ordinal) ?? false);

        var (signedInAgain, _) = await AccountPagesTests.AcceptAsync(infrastructure, people);
        var (loggedOut, _) = await signedInAgain.GetAsync("/oidc/logout?post_logout_redirect_uri=" + Uri.EscapeDataString(RealInfrastructure.WebAppSignedOutUri));
        Assert.Equal(HttpStatusCode.Redirect, loggedOut.StatusCode);
        Assert.StartsWith(RealInfrastructure.WebAppSignedOutUri, loggedOut.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await signedInAgain.GetAsync("/account")).Response.StatusCode);
    }

    [Fact]
    public async Task Spent_codes_are_pruned_and_live_tokens_are_not()
    {
        var (_, person) = await AccountPagesTests.AcceptAsync(infrastructure, people);
        var pkce = Pkce.New();
        var code = await SignInForCodeAsync(new PageBrowser(infrastructure.Gateway), person, pkce);
        Assert.True((await ExchangeAsync(code, pkce.Verifier)).IsSuccessStatusCode);

        async Task<List<string?>> KindsAsync()
        {
            await using var scope = infrastructure.Gateway.Services.CreateAsyncScope();
            var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
            var kinds = new List<string?>();
            await foreach (var token in tokens.FindBySubjectAsync(person.Person.Id.ToString()))
            {
                kinds.Add(await tokens.GetTypeAsync(token));
            }

            return kinds;
        }

        // OpenIddict names the kinds "…authorization_code" and "…access_token" (with a prefix in 7.x).
        static bool Is(string? kind, string what) => kind?.EndsWith(what, StringComparison.Ordinal) == true;
        var before = await KindsAsync();
        Assert.True(before.Any(k => Is(k, "authorization_code")), string.Join(", ", before));
        var pruning = infrastructure.Gateway.Services.GetRequiredService<ReferralNetwork.Gateway.People.OpenIdConnect.OidcPruning>();
        Assert.True(await pruning.PruneAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None) > 0);
        var left = await KindsAsync();
        Assert.False(left.Any(k => Is(k, "authorization_code")), string.Join(", ", left));
        Assert.True(left.Any(k => Is(k, "access_token")), string.Join(", ", left));
    }

    [Fact]
    public async Task The_discovery_document_offers_the_code_flow_with_S256_only()
    {
        var response = await new PageBrowser(infrastructure.Gateway).Client.GetAsync("/.well-known/openid-configuration");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var document = JsonDocument.Parse(text).RootElement;
        Assert.EndsWith("/oidc/authorize", document.GetProperty("authorization_endpoint").GetString());
        Assert.EndsWith("/oidc/token", document.GetProperty("token_endpoint").GetString());
        Assert.EndsWith("/oidc/logout", document.GetProperty("end_session_endpoint").GetString());
        Assert.Equal(["S256"], document.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["authorization_code"], document.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["code"], document.GetProperty("response_types_supported").EnumerateArray().Select(e => e.GetString()));
    }
}
