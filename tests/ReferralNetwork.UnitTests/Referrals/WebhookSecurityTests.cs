using System.Net;
using System.Net.Http;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using ReferralNetwork.Referrals.Webhooks;

namespace ReferralNetwork.UnitTests.Referrals;

/// <summary>Where webhooks may go, how they are signed, how secrets are kept and how many an organisation holds (partner-api.md §7).</summary>
public class WebhookSecurityTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    // Loopback in its many spellings: decimal, octal, hex, short, IPv4-mapped IPv6, names.
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://2130706433:8080/")]
    [InlineData("https://017700000001/")]
    [InlineData("https://0177.0.0.1/")]
    [InlineData("https://0x7f.1/")]
    [InlineData("https://127.1/")]
    [InlineData("https://[::ffff:127.0.0.1]:8080/")]
    [InlineData("https://[::ffff:7f00:1]/")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://localhost:5432/")]
    [InlineData("https://LOCALHOST./")]
    [InlineData("https://db.localhost/")]
    // Unspecified, which Linux connects to the local host.
    [InlineData("https://0.0.0.0:55673/")]
    [InlineData("https://0/")]
    [InlineData("https://[::]/")]
    // Private, link-local and cloud metadata.
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://172.16.0.1/hook")]
    [InlineData("https://172.31.255.255/hook")]
    [InlineData("https://192.168.1.10/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://2852039166/")] // 169.254.169.254 as one number
    [InlineData("https://0251.0376.0251.0376/")] // and in octal
    [InlineData("https://[::ffff:169.254.169.254]/")]
    [InlineData("https://[::ffff:10.0.0.1]/hook")]
    [InlineData("https://[fe80::1]/hook")]
    [InlineData("https://[fd00::1]/hook")]
    [InlineData("https://[fc00::1]/hook")]
    [InlineData("https://[fec0::1]/hook")]
    // Shared address space, Alibaba's metadata among it.
    [InlineData("https://100.64.0.1/")]
    [InlineData("https://100.100.100.200/")]
    [InlineData("https://100.127.255.255/")]
    // Multicast, reserved, broadcast, documentation, benchmarking.
    [InlineData("https://224.0.0.1/")]
    [InlineData("https://239.255.255.250/")]
    [InlineData("https://[ff02::1]/")]
    [InlineData("https://240.0.0.1/")]
    [InlineData("https://255.255.255.255/")]
    [InlineData("https://192.0.0.8/")]
    [InlineData("https://192.0.2.1/")]
    [InlineData("https://198.18.0.1/")]
    [InlineData("https://203.0.113.9/")]
    // NAT64 and other IPv6 forms that embed or translate to IPv4.
    [InlineData("https://[64:ff9b::7f00:1]/")]
    [InlineData("https://[64:ff9b::a9fe:a9fe]/")]
    [InlineData("https://[64:ff9b:1::a00:1]/")]
    [InlineData("https://[::127.0.0.1]/")]
    [InlineData("https://[2002:7f00:1::]/")]
    [InlineData("https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/")]
    [InlineData("https://[2001:db8::1]/")]
    [InlineData("https://[100::1]/")]
    public void Internal_and_reserved_targets_are_refused_in_every_spelling(string url) =>
        Assert.Equal(WebhookAddress.RefusedAddress, WebhookAddress.Refusal(url, allowLoopbackReceivers: false));

    [Theory]
    [InlineData("https://0.0.0.0:55673/")]
    [InlineData("http://169.254.169.254/")]
    [InlineData("http://100.100.100.200/")]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://[fd00::1]/")]
    [InlineData("http://[64:ff9b::7f00:1]/")]
    [InlineData("http://224.0.0.1/")]
    public void The_test_relaxation_allows_loopback_and_nothing_else_internal(string url) =>
        Assert.Equal(WebhookAddress.RefusedAddress, WebhookAddress.Refusal(url, allowLoopbackReceivers: true));

    [Theory]
    [InlineData("http://127.0.0.1:5000/hook")]
    [InlineData("http://localhost:5000/hook")]
    [InlineData("http://[::1]:5000/hook")]
    [InlineData("http://[::ffff:127.0.0.1]:5000/hook")]
    public void The_test_relaxation_allows_http_to_loopback(string url)
    {
        Assert.Null(WebhookAddress.Refusal(url, allowLoopbackReceivers: true));
        Assert.NotNull(WebhookAddress.Refusal(url, allowLoopbackReceivers: false));
    }

    [Theory]
    [InlineData("http://partner.example.org/hook")]
    [InlineData("http://93.184.215.14/hook")]
    public void Plain_http_is_refused_outside_the_test_relaxation(string url)
    {
        Assert.Equal(WebhookAddress.HttpsRequired, WebhookAddress.Refusal(url, allowLoopbackReceivers: false));
        Assert.Null(WebhookAddress.Refusal(url, allowLoopbackReceivers: true));
    }

    [Theory]
    [InlineData("https://partner.example.org/hooks/referrals")]
    [InlineData("https://93.184.215.14/hook")]
    [InlineData("https://172.32.0.1/hook")] // just outside 172.16/12
    [InlineData("https://100.128.0.1/hook")] // just outside 100.64/10
    [InlineData("https://[2606:4700::1111]/hook")]
    public void Public_https_addresses_are_accepted(string url) => Assert.Null(WebhookAddress.Refusal(url, allowLoopbackReceivers: false));

    [Theory]
    [InlineData("ftp://partner.example.org/hook")]
    [InlineData("file:///etc/passwd")]
    [InlineData("javascript:alert(1)")]
    [InlineData("/relative/hook")]
    [InlineData("partner.example.org/hook")]
    public void Only_absolute_web_urls_are_accepted_anywhere(string url)
    {
        Assert.NotNull(WebhookAddress.Refusal(url, allowLoopbackReceivers: true));
        Assert.Equal(WebhookAddress.HttpsRequired, WebhookAddress.Refusal(url, allowLoopbackReceivers: false));
    }

    [Fact]
    public void Urls_are_required_short_and_free_of_credentials()
    {
        Assert.Equal("Required.", WebhookAddress.Refusal(null, allowLoopbackReceivers: true));
        Assert.Equal("Required.", WebhookAddress.Refusal(" ", allowLoopbackReceivers: true));
        Assert.NotNull(WebhookAddress.Refusal("https://partner.example.org/" + new string('a', 2000), allowLoopbackReceivers: true));
        Assert.NotNull(WebhookAddress.Refusal("https://user:pass@partner.example.org/hook", allowLoopbackReceivers: true));
    }

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("127.8.9.10", false)]
    [InlineData("172.15.255.255", true)]
    [InlineData("192.169.0.1", true)]
    [InlineData("100.63.255.255", true)]
    [InlineData("223.255.255.255", true)]
    [InlineData("fe80::abcd", false)]
    [InlineData("febf::1", false)]
    [InlineData("2606:4700::1111", true)]
    [InlineData("2a00:1450:4009:81f::200e", true)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("64:ff9b::808:808", false)] // NAT64 is refused whatever it translates to
    public void Address_ranges_are_exact(string address, bool allowed) =>
        Assert.Equal(allowed, WebhookAddress.IsAllowed(IPAddress.Parse(address), allowLoopbackReceivers: false));

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public async Task Subscribing_to_a_loopback_target_is_refused_after_resolving_too(string host) =>
        Assert.Equal(WebhookAddress.RefusedAddress,
            await WebhookAddress.RefusalAfterResolvingAsync($"https://{host}:5000/hook", allowLoopbackReceivers: false, CancellationToken.None));

    [Fact]
    public void Loopback_receivers_are_refused_unless_configured_otherwise() => Assert.False(new WebhookOptions().AllowLoopbackReceivers);

    [Theory]
    [InlineData("Development", null)]
    [InlineData("Production", null)]
    [InlineData("Development", "true")]
    [InlineData("Production", "true")]
    public void Every_webhook_connection_is_checked_and_never_redirected_whatever_the_environment(string environment, string? relaxation)
    {
        var handler = WebhookHandler(environment, relaxation);
        Assert.NotNull(handler.ConnectCallback);
        Assert.False(handler.AllowAutoRedirect);
        Assert.False(handler.UseProxy);
    }

    [Fact]
    public async Task The_connection_check_refuses_an_internal_address_before_connecting()
    {
        // A name that resolved to a public address when subscribing may resolve to loopback now (rebinding).
        foreach (var host in new[] { "127.0.0.1", "localhost", "169.254.169.254", "::ffff:127.0.0.1", "0.0.0.0" })
        {
            await Assert.ThrowsAsync<WebhookAddressRefusedException>(async () =>
                await WebhookAddress.ConnectAsync(new DnsEndPoint(host, 80), allowLoopbackReceivers: false, CancellationToken.None));
        }

        await Assert.ThrowsAsync<WebhookAddressRefusedException>(async () =>
            await WebhookAddress.ConnectAsync(new DnsEndPoint("169.254.169.254", 80), allowLoopbackReceivers: true, CancellationToken.None));
    }

    [Fact]
    public void The_v2_signature_is_the_hex_hmac_of_the_timestamp_a_dot_and_the_body()
    {
        var body = Encoding.UTF8.GetBytes("what do ya want for nothing?");
        Assert.Equal("sha256=1cdd0650c8be1cb0974b1788d458b1e781206cfef59b85faafc582d2e182c57e", WebhookSignature.ComputeV2("Jefe", 1700000000, body));
        // Another time gives another signature: a replayed body with a fresh timestamp does not verify.
        Assert.NotEqual(WebhookSignature.ComputeV2("Jefe", 1700000000, body), WebhookSignature.ComputeV2("Jefe", 1700000001, body));
        Assert.Equal("X-Signature-V2", WebhookSignature.V2HeaderName);
        Assert.Equal("X-Timestamp", WebhookSignature.TimestampHeaderName);
    }

    [Fact]
    public void An_organisation_may_hold_ten_subscriptions()
    {
        Assert.Null(SubscriptionLimit.Refusal(0));
        Assert.Null(SubscriptionLimit.Refusal(9));
        Assert.Contains("at most 10", SubscriptionLimit.Refusal(10));
        Assert.NotNull(SubscriptionLimit.Refusal(11));
    }

    [Fact]
    public void Secrets_are_stored_encrypted_and_clear_legacy_ones_still_sign_and_migrate()
    {
        var secrets = new WebhookSecrets(new EphemeralDataProtectionProvider());
        const string Secret = "a-long-enough-shared-secret";
        var subscription = new WebhookSubscription(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "https://x.example", [], secrets.Protect(Secret), At);
        Assert.DoesNotContain(Secret, subscription.ProtectedSecret);
        Assert.Null(subscription.Secret);
        Assert.Equal(Secret, secrets.Reveal(subscription));
        Assert.Null(secrets.Migrate(subscription));

        var legacy = new WebhookSubscription(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "https://x.example", [], null, At) { Secret = Secret };
        Assert.Equal(Secret, secrets.Reveal(legacy));
        var migrated = Assert.IsType<WebhookSubscription>(secrets.Migrate(legacy));
        Assert.Null(migrated.Secret);
        Assert.Equal(Secret, secrets.Reveal(migrated));
    }

    [Fact]
    public void Secrets_protected_for_another_purpose_do_not_decrypt()
    {
        var provider = new EphemeralDataProtectionProvider();
        var elsewhere = provider.CreateProtector("something else").Protect("a-long-enough-shared-secret");
        var subscription = new WebhookSubscription(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "https://x.example", [], elsewhere, At);
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => new WebhookSecrets(provider).Reveal(subscription));
    }

    /// <summary>The webhook client's primary handler, as the referral service registers it.</summary>
    private static SocketsHttpHandler WebhookHandler(string environment, string? relaxation)
    {
        var settings = new Dictionary<string, string?>();
        if (relaxation is not null)
        {
            settings["Webhooks:AllowLoopbackReceivers"] = relaxation;
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment, ApplicationName = "ReferralNetwork.Referrals" });
        services.AddLogging();
        services.AddWebhookDispatch();
        using var provider = services.BuildServiceProvider();

        var handler = provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(WebhookDispatcher.ClientName);
        while (handler is DelegatingHandler outer)
        {
            handler = outer.InnerHandler!;
        }

        return Assert.IsType<SocketsHttpHandler>(handler);
    }
}
