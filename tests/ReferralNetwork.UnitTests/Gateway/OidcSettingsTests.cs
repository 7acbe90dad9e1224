using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using ReferralNetwork.Gateway.People.OpenIdConnect;

namespace ReferralNetwork.UnitTests.Gateway;

/// <summary>The OpenID Connect server's settings are checked at start: a bad one stops the gateway, naming the setting.</summary>
public class OidcSettingsTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void The_code_key_is_32_bytes_in_base64_or_its_url_safe_form()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        Assert.Equal(bytes, OidcServer.CodeKey(Settings((OidcServer.CodeKeySetting, Convert.ToBase64String(bytes)))).Key);
        var urlSafe = Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        Assert.Equal(bytes, OidcServer.CodeKey(Settings((OidcServer.CodeKeySetting, urlSafe))).Key);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 at all!")]
    [InlineData("c2hvcnQ=")]
    public void A_missing_short_or_garbled_code_key_stops_the_gateway(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => OidcServer.CodeKey(Settings((OidcServer.CodeKeySetting, value))));
        Assert.Contains(OidcServer.CodeKeySetting, error.Message);
        if (value.Length > 0)
        {
            Assert.DoesNotContain(value, error.Message);
        }
    }

    [Fact]
    public void A_client_is_read_with_its_addresses()
    {
        var clients = OidcClients.Read(Settings(
            ("People:Clients:webapp:Secret", new string('s', 32)),
            ("People:Clients:webapp:RedirectUris:0", "https://app.example/signin-oidc"),
            ("People:Clients:webapp:PostLogoutRedirectUris:0", "https://app.example/")));
        var webapp = Assert.Single(clients).Value;
        Assert.Equal(["https://app.example/signin-oidc"], webapp.RedirectUris);
    }

    [Theory]
    [InlineData("short", "https://app.example/cb", "Secret")]
    [InlineData("ssssssssssssssssssssssssssssssssss", "/relative", "/relative")]
    [InlineData("ssssssssssssssssssssssssssssssssss", "https://app.example/cb#fragment", "fragment")]
    [InlineData("ssssssssssssssssssssssssssssssssss", "javascript://app.example/", "javascript")]
    public void A_client_without_a_good_secret_or_with_a_bad_address_stops_the_gateway(string secret, string redirect, string named)
    {
        var error = Assert.Throws<InvalidOperationException>(() => OidcClients.Read(Settings(
            ("People:Clients:webapp:Secret", secret), ("People:Clients:webapp:RedirectUris:0", redirect))));
        Assert.Contains(named, error.Message);
    }
}
