using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using ReferralNetwork.UnitTests.Defaults;
using ReferralNetwork.Web;
using ReferralNetwork.Web.Inbox;
using ReferralNetwork.Web.SignIn;
using Xunit;

namespace ReferralNetwork.UnitTests.WebApp;

public class SignInTests
{
    [Theory]
    [InlineData("/inbox", "/inbox")]
    [InlineData("/inbox/0b6f7c1e-8a51-4c39-9d6f-3f1c1f0f4b7e", "/inbox/0b6f7c1e-8a51-4c39-9d6f-3f1c1f0f4b7e")]
    [InlineData("/", "/")]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example/", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("/redirect?to=https://evil.example/", "/")]
    [InlineData("inbox", "/")]
    public void After_signing_in_only_an_address_of_the_app_is_followed(string? returnUrl, string expected) =>
        Assert.Equal(expected, PeopleSignIn.LocalOrHome(returnUrl));

    [Fact]
    public async Task A_session_is_kept_on_the_server_and_gives_its_token_only_while_the_token_lasts()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero));
        using var cache = new MemoryCache(new MemoryCacheOptions { Clock = new CacheClock(clock) });
        var sessions = new PersonSessions(cache, clock);
        var properties = new AuthenticationProperties();
        properties.StoreTokens([
            new AuthenticationToken { Name = "access_token", Value = "the-token" },
            new AuthenticationToken { Name = "expires_at", Value = clock.GetUtcNow().AddMinutes(60).ToString("o") },
        ]);
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim("person", Guid.NewGuid().ToString())], "test")), properties, "Cookies");

        var key = await sessions.StoreAsync(ticket);

        // The browser's cookie holds only the key; the live connection finds the token by the principal's claim.
        Assert.DoesNotContain("the-token", key);
        var principal = (await sessions.RetrieveAsync(key))!.Principal;
        Assert.Equal(key, principal.FindFirst(PersonSessions.KeyClaim)?.Value);
        Assert.Equal("the-token", sessions.AccessTokenOf(principal));
        Assert.Null(sessions.AccessTokenOf(new ClaimsPrincipal(new ClaimsIdentity([new Claim(PersonSessions.KeyClaim, "guessed")], "test"))));

        clock.Now += TimeSpan.FromMinutes(61);
        Assert.Null(sessions.AccessTokenOf(principal));

        await sessions.RemoveAsync(key);
        Assert.Null(await sessions.RetrieveAsync(key));
    }

    [Theory]
    [InlineData(null, 40, "must be the gateway's absolute address")]
    [InlineData("gateway.example", 40, "must be the gateway's absolute address")]
    [InlineData("http://gateway.example", 40, "is plain HTTP")]
    [InlineData("https://gateway.example", 0, "ClientSecret must be set")]
    [InlineData("https://gateway.example", 31, "ClientSecret must be set")]
    public void Settings_that_would_be_unsafe_or_cannot_work_stop_the_app_naming_them(string? gateway, int secretLength, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Web:Gateway"] = gateway,
            ["Web:ClientSecret"] = new string('s', secretLength),
        }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => WebAppOptions.Read(configuration));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Plain_http_is_allowed_only_when_the_setting_says_so()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Web:Gateway"] = "http://127.0.0.1:8080",
            ["Web:ClientSecret"] = new string('s', 40),
            ["Web:AllowHttp"] = "true",
        }).Build();

        var options = WebAppOptions.Read(configuration);

        Assert.Equal("http://127.0.0.1:8080/app/signin-oidc", options.Public("/signin-oidc"));
    }

    [Theory]
    [InlineData(-5, "passed")]
    [InlineData(0.5, "in 1 minute")]
    [InlineData(30, "in 30 minutes")]
    [InlineData(60, "in 1 hour")]
    [InlineData(60 * 30, "in 30 hours")]
    [InlineData(60 * 24 * 3, "in 3 days")]
    public void A_deadline_says_how_long_is_left_in_words(double minutes, string expected)
    {
        var now = new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal(expected, InboxSection.Left(now.AddMinutes(minutes), now));
    }

    [Fact]
    public void Times_are_shown_in_uk_time()
    {
        Assert.Equal("11:30 on 1 July 2026", InboxWords.When(new DateTimeOffset(2026, 7, 1, 10, 30, 0, TimeSpan.Zero)));
        Assert.Equal("10:30 on 1 December 2026", InboxWords.When(new DateTimeOffset(2026, 12, 1, 10, 30, 0, TimeSpan.Zero)));
    }

    private sealed class CacheClock(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
}
