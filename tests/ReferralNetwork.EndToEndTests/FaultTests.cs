using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Xunit.Abstractions;

namespace ReferralNetwork.EndToEndTests;

/// <summary>
/// The network heals by itself: under steady load, PostgreSQL, RabbitMQ, each service and the gateway
/// are killed in turn with SIGKILL, and afterwards every referral a partner submitted exists exactly
/// once and reached the link-worker service. Then what the services exported to the collector is
/// searched for the person they were about.
/// </summary>
[Collection(FaultNetworkCollection.Name)]
public class FaultTests(FaultNetwork network, ITestOutputHelper output)
{
    /// <summary>A person no other test uses, so any trace of them in telemetry is from here.</summary>
    private static readonly string[] PersonalValues = ["Philomena", "Quartermaine", "4872013565", "487 201 3565", "L4 0TH", "07700900456", "philomena.q@example.org", "Lost her husband in the spring"];

    private static object Referral() => new
    {
        person = new
        {
            givenName = "Philomena", familyName = "Quartermaine", dateOfBirth = "1941-03-17", nhsNumber = "4872013565", postcode = "L4 0TH",
            phone = "07700900456", email = "philomena.q@example.org", preferredContact = "phone", language = "en", accessibilityNeeds = (string?)null,
        },
        needs = new[] { "loneliness" },
        reason = "Lost her husband in the spring and has not left the house since.",
        urgency = "routine",
        consent = new { given = true, recordedAt = "2026-11-20T10:00:00Z", shareWithReferrer = "full" },
    };

    [Fact]
    public async Task Killing_the_database_the_broker_and_each_service_under_load_loses_and_duplicates_nothing_and_nothing_personal_reaches_telemetry()
    {
        var area = "faults-" + Guid.NewGuid().ToString("N")[..6];
        var gp = await network.RegisterAsync("Faultline Surgery", "gp-practice", area);
        var linkWorkers = await network.RegisterAsync("Faultline Link Workers", "link-worker-service", area);

        using var load = new CancellationTokenSource();
        var submitted = new ConcurrentDictionary<string, Guid>();
        var submitting = Task.Run(() => SubmitSteadilyAsync(gp, submitted, load.Token));

        foreach (var resource in new[] { "postgres", "rabbitmq", "linkworkers", "communityproviders", "feedback", "referrals", "gateway" })
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            var clock = Stopwatch.StartNew();
            var restartsBefore = await RestartsAsync(resource);
            var victim = ProcessOf(resource);
            output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s kill -9 {resource} (pid {victim}), {submitted.Count} referrals so far");
            Process.GetProcessById(victim).Kill();
            await Eventually.GetAsync(async () => await RestartsAsync(resource) > restartsBefore ? "restarted" : null, $"{resource} to be restarted", seconds: 120);
            await network.AllHealthyAsync(TimeSpan.FromMinutes(3));
            output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s {resource} back and every resource healthy");
        }

        await Task.Delay(TimeSpan.FromSeconds(5));
        await load.CancelAsync();
        await submitting;
        output.WriteLine($"{submitted.Count} referrals submitted during the faults");
        Assert.True(submitted.Count >= 50, $"only {submitted.Count} referrals went through");
        Assert.Equal(submitted.Count, submitted.Values.Distinct().Count());

        // Every one reaches the link-worker service, once.
        foreach (var id in submitted.Values)
        {
            await Eventually.GetAsync(async () =>
            {
                var response = await gp.Client.GetAsync($"/api/referrals/{id}");
                return response.IsSuccessStatusCode
                    && JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("linkWorkerService").ValueKind == JsonValueKind.Object
                    ? "routed"
                    : null;
            }, $"referral {id} to be routed", seconds: 120);
        }
        var cases = JsonDocument.Parse(await linkWorkers.Client.GetStringAsync("/api/cases")).RootElement.EnumerateArray()
            .Select(c => c.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(cases.Count, cases.Distinct().Count());
        Assert.Equal(submitted.Values.Order(), cases.Order());

        // Whatever the services exported about all of this, the person is not in it.
        await Task.Delay(TimeSpan.FromSeconds(6));
        var exports = network.Telemetry.Received;
        output.WriteLine($"{exports.Count} exports received: {string.Join(", ", exports.GroupBy(e => e.Path).Select(g => $"{g.Key} {g.Count()}"))}");
        Assert.Contains(exports, e => e.Path == "/v1/traces");
        Assert.Contains(exports, e => e.Path == "/v1/logs");
        Assert.Contains(exports, e => ContainsText(e.Body, "referrals-referral-updates"));
        foreach (var value in PersonalValues)
        {
            Assert.DoesNotContain(exports, e => ContainsText(e.Body, value));
        }
    }

    [Fact]
    public async Task A_network_started_as_the_readme_says_refuses_webhooks_to_loopback()
    {
        var gp = await network.RegisterAsync("Loopback Surgery", "gp-practice", "faults-" + Guid.NewGuid().ToString("N")[..6]);
        var refused = await gp.Client.PostAsJsonAsync("/api/subscriptions",
            new { url = $"{network.GatewayUrl}health", secret = "a-long-shared-secret-for-hmac" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("url", await refused.Content.ReadAsStringAsync());
    }

    /// <summary>A partner submitting referrals one after another, each retried with its own key until it is accepted.</summary>
    private static async Task SubmitSteadilyAsync(Partner gp, ConcurrentDictionary<string, Guid> submitted, CancellationToken stop)
    {
        var number = 0;
        while (!stop.IsCancellationRequested)
        {
            var key = $"faults-{++number:D5}";
            var trying = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/referrals") { Content = JsonContent.Create(Referral()) };
                    request.Headers.Add("Idempotency-Key", key);
                    using var response = await gp.Client.SendAsync(request, CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
                        // A retry of an accepted key must give the same referral back.
                        Assert.Equal(id, submitted.GetOrAdd(key, id));
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // The gateway is down: a partner tries again.
                }
                // Even one begun as the run ends is tried until it goes through: a partner would.
                Assert.True(trying.Elapsed < TimeSpan.FromMinutes(3), $"{key} was refused for three minutes");
                await Task.Delay(500, CancellationToken.None);
            }
            await Task.Delay(200, CancellationToken.None);
        }
    }

    /// <summary>How many times the AppHost restarted the resource after a crash (a property it keeps on the resource).</summary>
    private async Task<int> RestartsAsync(string resource)
    {
        var snapshot = (await network.App.ResourceNotifications.WaitForResourceAsync(resource, _ => true)).Snapshot;
        return snapshot.Properties.FirstOrDefault(p => p.Name == "restarts.after-crash")?.Value is { } value
            ? Convert.ToInt32(value, CultureInfo.InvariantCulture)
            : 0;
    }

    /// <summary>
    /// The process a crash would hit: the server or service itself, not the launcher Aspire started
    /// (dotnet run for a project, the shell that turns SIGTERM into a fast shutdown for PostgreSQL,
    /// RabbitMQ's start script).
    /// </summary>
    private int ProcessOf(string resource)
    {
        var snapshot = network.App.ResourceNotifications.WaitForResourceAsync(resource, _ => true).GetAwaiter().GetResult().Snapshot;
        var launcher = Convert.ToInt32(snapshot.Properties.Single(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);
        var descendants = Descendants(launcher).ToList();
        return resource switch
        {
            "rabbitmq" => descendants.Single(p => Command(p) == "beam.smp"),
            "postgres" => descendants.First(p => Command(p) == "postgres"),
            _ => descendants.First(),
        };
    }

    private static IEnumerable<int> Descendants(int parent)
    {
        var children = Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, out _))
            .Select(int.Parse!)
            .Where(pid => ParentOf(pid) == parent)
            .Order()
            .ToList();
        return children.SelectMany(child => Descendants(child).Prepend(child));
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            // "pid (comm) state ppid …": comm may hold spaces, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static bool ContainsText(byte[] body, string text) =>
        body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
