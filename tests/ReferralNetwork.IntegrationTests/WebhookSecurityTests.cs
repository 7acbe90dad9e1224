using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReferralNetwork.Contracts;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.Referrals.Webhooks;

namespace ReferralNetwork.IntegrationTests;

/// <summary>Webhook security against the real referral service, PostgreSQL and RabbitMQ (partner-api.md §7).</summary>
[Collection(RealInfrastructureCollection.Name)]
public class WebhookSecurityTests(RealInfrastructure infrastructure)
{
    private const string Secret = "a-long-enough-shared-secret-0f3a";
    private readonly string area = "hook-security-" + Guid.NewGuid().ToString("N")[..8];

    private HttpClient ClientFor(Guid organisation, WebApplicationFactory<ReferralNetwork.Referrals.Referrals.ReferralEvents>? host = null)
    {
        var client = (host ?? infrastructure.Referrals).CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", infrastructure.TokenFor(organisation, OrganisationKind.GpPractice, area, "Riverside Surgery"));
        return client;
    }

    private static async Task<Guid> SubscribeAsync(HttpClient client, string url, string secret = Secret)
    {
        var response = await client.PostAsJsonAsync("/api/subscriptions", new { url, secret });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task SubmitAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task<string?> RawSubscriptionJsonAsync(Guid id)
    {
        await using var session = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.Json.FindByIdAsync<WebhookSubscription>(id);
    }

    [Fact]
    public async Task Secrets_are_stored_encrypted_and_never_shown()
    {
        var client = ClientFor(Guid.NewGuid());
        var created = await client.PostAsJsonAsync("/api/subscriptions", new { url = "http://127.0.0.1:9/hook", secret = Secret });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.DoesNotContain(Secret, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // The document as PostgreSQL holds it.
        var raw = await RawSubscriptionJsonAsync(id);
        Assert.NotNull(raw);
        Assert.DoesNotContain(Secret, raw);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Secret)), raw);
        Assert.NotNull(JsonDocument.Parse(raw).RootElement.GetProperty("ProtectedSecret").GetString());

        Assert.DoesNotContain(Secret, await client.GetStringAsync($"/api/subscriptions/{id}"));
        Assert.DoesNotContain(Secret, await client.GetStringAsync("/api/subscriptions"));
    }

    [Fact]
    public async Task Deliveries_carry_a_current_timestamp_and_a_verifiable_v2_signature_and_clear_legacy_secrets_keep_working()
    {
        await using var receiver = await HookReceiver.StartAsync(_ => Task.FromResult(Results.Ok()));
        var gp = Guid.NewGuid();
        var client = ClientFor(gp);
        var current = await SubscribeAsync(client, receiver.Url + "/current");

        // A subscription as stored before secrets were encrypted: the secret in clear.
        const string LegacySecret = "a-legacy-secret-stored-in-clear-7e1";
        var legacy = await SubscribeAsync(client, receiver.Url + "/legacy");
        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            var stored = (await session.LoadAsync<WebhookSubscription>(legacy))!;
            session.Store(stored with { ProtectedSecret = null, Secret = LegacySecret });
            await session.SaveChangesAsync();
        }

        Assert.Contains(LegacySecret, await RawSubscriptionJsonAsync(legacy));

        await SubmitAsync(client);
        var received = await Eventually.GetAsync(() => Task.FromResult(
            receiver.Requests.Count(r => r.Path is "/current" or "/legacy") >= 2 ? receiver.Requests.ToList() : null), "both deliveries", 60);

        foreach (var (path, secret) in new[] { ("/current", Secret), ("/legacy", LegacySecret) })
        {
            var request = received.First(r => r.Path == path);
            var timestamp = long.Parse(request.Header("X-Timestamp")!, CultureInfo.InvariantCulture);
            Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp, -5, 120);
            Assert.Equal(WebhookSignature.ComputeV2(secret, timestamp, request.Body), request.Header("X-Signature-V2"));
            Assert.Equal(WebhookSignature.Compute(secret, request.Body), request.Header("X-Signature"));
            // Signed with this timestamp only: a replay under a fresh timestamp does not verify.
            Assert.NotEqual(WebhookSignature.ComputeV2(secret, timestamp + 600, request.Body), request.Header("X-Signature-V2"));
        }

        // Using the legacy subscription encrypted its secret.
        var migrated = await Eventually.GetAsync(async () =>
            await RawSubscriptionJsonAsync(legacy) is { } raw && !raw.Contains(LegacySecret, StringComparison.Ordinal) ? raw : null, "the migrated secret", 30);
        Assert.NotNull(JsonDocument.Parse(migrated).RootElement.GetProperty("ProtectedSecret").GetString());
        Assert.NotEqual(Guid.Empty, current);
    }

    [Fact]
    public async Task The_eleventh_subscription_is_422_naming_the_limit_even_when_requests_race()
    {
        var client = ClientFor(Guid.NewGuid());
        var racing = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            client.PostAsJsonAsync("/api/subscriptions", new { url = $"http://127.0.0.1:9/hook/{i}", secret = Secret })));
        Assert.Equal(10, racing.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(2, racing.Count(r => r.StatusCode == HttpStatusCode.UnprocessableEntity));

        var eleventh = await client.PostAsJsonAsync("/api/subscriptions", new { url = "http://127.0.0.1:9/hook/11", secret = Secret });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, eleventh.StatusCode);
        var problem = await eleventh.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("10", problem.GetProperty("errors").GetProperty("subscriptions")[0].GetString());

        // Another organisation is not affected.
        await SubscribeAsync(ClientFor(Guid.NewGuid()), "http://127.0.0.1:9/hook");
    }

    [Fact]
    public async Task A_slow_receiver_does_not_delay_another_subscriptions_deliveries()
    {
        await using var slow = await HookReceiver.StartAsync(async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
            return Results.Ok();
        });
        await using var fast = await HookReceiver.StartAsync(_ => Task.FromResult(Results.Ok()));

        var slowGp = ClientFor(Guid.NewGuid());
        var fastGp = ClientFor(Guid.NewGuid());
        await SubscribeAsync(slowGp, slow.Url + "/slow");
        await SubscribeAsync(fastGp, fast.Url + "/fast");

        // Enough deliveries due for the slow receiver to fill the old dispatcher's batch several times over.
        for (var i = 0; i < 12; i++)
        {
            await SubmitAsync(slowGp);
        }

        await Eventually.GetAsync(() => Task.FromResult(slow.Requests.IsEmpty ? null : "seen"), "the slow receiver's first call", 60);
        var clock = Stopwatch.StartNew();
        await SubmitAsync(fastGp);
        await Eventually.GetAsync(() => Task.FromResult(fast.Requests.IsEmpty ? null : "seen"), "the fast receiver's delivery", 60);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the fast receiver waited {clock.Elapsed.TotalSeconds:0.0} s behind the slow one");
    }

    [Fact]
    public async Task Redirects_are_not_followed()
    {
        await using var receiver = await HookReceiver.StartAsync(context => Task.FromResult(
            context.Request.Path == "/moved" ? Results.Redirect("/elsewhere") : Results.Ok()));
        var client = ClientFor(Guid.NewGuid());
        var id = await SubscribeAsync(client, receiver.Url + "/moved");
        await SubmitAsync(client);

        var attempt = await Eventually.GetAsync(async () =>
        {
            var log = await client.GetFromJsonAsync<JsonElement>($"/api/subscriptions/{id}/deliveries");
            return log.GetArrayLength() > 0 && log[0].GetProperty("attempts").GetArrayLength() > 0 ? log[0].GetProperty("attempts")[0].GetRawText() : null;
        }, "the first attempt", 60);

        Assert.Equal(302, JsonDocument.Parse(attempt).RootElement.GetProperty("statusCode").GetInt32());
        Assert.DoesNotContain(receiver.Requests, r => r.Path == "/elsewhere");
    }

    private static readonly string[] InternalTargets =
    [
        "http://2130706433:8080/", "https://2130706433:8080/",
        "http://[::ffff:127.0.0.1]:8080/", "https://[::ffff:127.0.0.1]:8080/",
        "http://0.0.0.0:55673/", "https://0.0.0.0:55673/",
        "http://169.254.169.254/", "https://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/", "https://100.100.100.200/",
        "http://localhost:5432/", "https://localhost:5432/",
        "https://0177.0.0.1/", "https://0x7f000001/", "https://127.1/",
        "https://10.0.0.1/", "https://192.168.0.1/", "https://[fd00::1]/", "https://[fe80::1]/",
        "https://224.0.0.1/", "https://240.0.0.1/", "https://[ff02::1]/",
        "https://[64:ff9b::7f00:1]/", "https://[64:ff9b::a9fe:a9fe]/", "https://[::127.0.0.1]/", "https://[2002:7f00:1::]/",
    ];

    /// <summary>
    /// With the production setting (no loopback relaxation), every spelling of an internal target is 422 on
    /// url; https to a public address passes, so it is the address that is refused.
    /// </summary>
    [Fact]
    public async Task Outside_tests_every_internal_target_is_422_in_any_spelling()
    {
        await using var production = infrastructure.Referrals.WithWebHostBuilder(b =>
        {
            b.ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?> { ["Webhooks:AllowLoopbackReceivers"] = "false" }));
            // No second dispatcher on the shared database.
            b.ConfigureServices(s => s.Remove(s.Single(d => d.ImplementationType == typeof(WebhookDispatcher))));
        });
        var client = ClientFor(Guid.NewGuid(), production);

        foreach (var url in InternalTargets)
        {
            var response = await client.PostAsJsonAsync("/api/subscriptions", new { url, secret = Secret });
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{url} was {(int)response.StatusCode}");
            var message = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("url")[0].GetString();
            Assert.Equal(url.StartsWith("https:", StringComparison.Ordinal) ? WebhookAddress.RefusedAddress : WebhookAddress.HttpsRequired, message);
        }

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/subscriptions", new { url = "https://93.184.215.14/hook", secret = Secret })).StatusCode);
    }
}
