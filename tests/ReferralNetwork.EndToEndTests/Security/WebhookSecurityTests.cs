using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests.Security;

/// <summary>
/// Attacks on webhooks through the gateway of the running network (partner-api.md §7). The network runs
/// with Webhooks__AllowLoopbackReceivers so the tests' receivers on 127.0.0.1 can be called; that
/// relaxation admits http and loopback and nothing else, so every other internal target is probed here.
/// Loopback spellings (2130706433, [::ffff:127.0.0.1], localhost) are probed with the production setting
/// in the integration tests' WebhookSecurityTests, since here they are exactly what the relaxation allows.
/// </summary>
[Collection(RunningNetworkCollection.Name)]
public class WebhookSecurityTests(RunningNetwork network)
{
    private const string Secret = "an-attackers-long-enough-secret";

    public static TheoryData<string> InternalTargets =>
    [
        "http://0.0.0.0:55673/",
        "https://0.0.0.0:55673/",
        "http://0/",
        "http://169.254.169.254/",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://2852039166/", // 169.254.169.254 as one decimal number
        "http://0251.0376.0251.0376/", // and in octal
        "http://0xa9.0xfe.0xa9.0xfe/", // and in hex
        "http://[::ffff:169.254.169.254]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://100.100.100.200/",
        "http://100.64.0.1/",
        "http://10.0.0.1:5432/",
        "http://172.17.0.1:2375/",
        "http://192.168.1.1/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
        "http://[ff02::1]/",
        "http://240.0.0.1/",
        "http://255.255.255.255/",
        "http://[64:ff9b::a9fe:a9fe]/", // NAT64 of the metadata address
        "http://[64:ff9b::7f00:1]/", // NAT64 of loopback: not loopback itself, so refused even here
        "http://[::127.0.0.1]/", // IPv4-compatible
        "http://[2002:a9fe:a9fe::]/", // 6to4 of the metadata address
    ];

    [Theory]
    [MemberData(nameof(InternalTargets))]
    public async Task Subscribing_to_an_internal_target_is_422_through_the_gateway(string url)
    {
        var attacker = await network.RegisterAsync("Probing Practice", "gp-practice", "ssrf-" + Guid.NewGuid().ToString("N")[..8]);
        var response = await attacker.Client.PostAsJsonAsync("/api/subscriptions", new { url, secret = Secret });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{url}: {(int)response.StatusCode} {text}");
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.Contains("loopback, private, link-local, shared, multicast, reserved", errors.GetProperty("url")[0].GetString());
        Assert.Empty(await attacker.Client.GetFromJsonAsync<List<JsonElement>>("/api/subscriptions") ?? []);
    }

    [Fact]
    public async Task An_organisation_cannot_hold_an_eleventh_subscription()
    {
        var partner = await network.RegisterAsync("Busy Practice", "gp-practice", "cap-" + Guid.NewGuid().ToString("N")[..8]);
        for (var i = 0; i < 10; i++)
        {
            await Json.ReadAsync(await partner.Client.PostAsJsonAsync("/api/subscriptions", new { url = $"http://127.0.0.1:9/hook/{i}", secret = Secret }));
        }

        var eleventh = await partner.Client.PostAsJsonAsync("/api/subscriptions", new { url = "http://127.0.0.1:9/hook/10", secret = Secret });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, eleventh.StatusCode);
        Assert.Contains("at most 10", await eleventh.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Deliveries_carry_a_fresh_timestamp_and_a_v2_signature_over_it_and_the_body()
    {
        var journey = await Journey.StartAsync(network, "hook-v2");
        using var receiver = new RecordingReceiver();
        var created = await journey.Gp.Client.PostAsJsonAsync("/api/subscriptions",
            new { url = receiver.Url, eventTypes = new[] { "referral.requested" }, secret = Secret });
        var view = await created.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.DoesNotContain(Secret, view);

        await journey.ReferralInProgressAsync();
        var delivery = await Eventually.GetAsync(() => Task.FromResult(receiver.Received.TryPeek(out var d) ? d : null), "a delivery", 60);

        var timestamp = long.Parse(delivery.Timestamp, CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp, -5, 120);
        var signed = Encoding.UTF8.GetBytes(delivery.Timestamp + ".").Concat(delivery.Body).ToArray();
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), signed)), delivery.SignatureV2);
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), delivery.Body)), delivery.Signature);
    }

    private sealed record Delivery(string Timestamp, string Signature, string SignatureV2, byte[] Body);

    private sealed class RecordingReceiver() : LoopbackReceiver("/hooks/")
    {
        public ConcurrentQueue<Delivery> Received { get; } = new();

        protected override async Task AnswerAsync(HttpListenerContext context)
        {
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers;
            Received.Enqueue(new Delivery(headers["X-Timestamp"] ?? "", headers["X-Signature"] ?? "", headers["X-Signature-V2"] ?? "", body.ToArray()));
            context.Response.StatusCode = 200;
        }
    }
}

/// <summary>
/// The same attack on the network as the README starts it, without the loopback relaxation (the fault
/// tests' network): here loopback in every spelling, and plain http to anything, is 422 too.
/// </summary>
[Collection(FaultNetworkCollection.Name)]
public class WebhookSecurityWithoutRelaxationTests(FaultNetwork network)
{
    public static TheoryData<string> LoopbackAndOtherTargets =>
    [
        "http://2130706433:8080/",
        "https://2130706433:8080/",
        "http://[::ffff:127.0.0.1]:8080/",
        "https://[::ffff:127.0.0.1]:8080/",
        "https://[::ffff:7f00:1]:8080/",
        "https://0177.0.0.1/",
        "https://0x7f000001/",
        "https://127.1/",
        "https://[::1]/",
        "http://localhost:5432/",
        "https://localhost:5432/",
        "https://api.localhost/",
        "http://0.0.0.0:55673/",
        "https://0.0.0.0:55673/",
        "http://169.254.169.254/",
        "https://169.254.169.254/",
        "http://100.100.100.200/",
        "https://100.100.100.200/",
        "https://[64:ff9b::7f00:1]/",
        "https://[64:ff9b::a9fe:a9fe]/",
    ];

    [Theory]
    [MemberData(nameof(LoopbackAndOtherTargets))]
    public async Task Subscribing_to_loopback_or_over_http_is_422_through_the_gateway(string url)
    {
        var attacker = await network.RegisterAsync("Probing Practice", "gp-practice", "ssrf-" + Guid.NewGuid().ToString("N")[..8]);
        var response = await attacker.Client.PostAsJsonAsync("/api/subscriptions", new { url, secret = "an-attackers-long-enough-secret" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{url}: {(int)response.StatusCode} {text}");
        var message = JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty("url")[0].GetString();
        Assert.Contains(url.StartsWith("https:", StringComparison.Ordinal) ? "loopback, private, link-local" : "https", message);
    }
}
