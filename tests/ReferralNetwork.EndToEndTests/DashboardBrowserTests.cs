using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ReferralNetwork.Hosting;
using ReferralNetwork.Hosting.Dashboard;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ReferralNetwork.EndToEndTests;

/// <summary>The operators' dashboard as an operator uses it: in a browser (headless chromium), against the running network.</summary>
[Collection(RunningNetworkCollection.Name)]
public class DashboardBrowserTests(RunningNetwork network, HeadlessChromium chromium, ITestOutputHelper output) : IClassFixture<HeadlessChromium>
{
    /// <summary>Generous: the network may still be warming up, and a service takes seconds to stop and start.</summary>
    private const float Wait = 60_000;

    private static readonly string[] Resources = ["postgres", "rabbitmq", "linkworkers", "communityproviders", "feedback", "referrals", "gateway"];

    [Fact]
    public Task The_resources_table_shows_every_resource_running_and_healthy() => OnDashboardAsync("#resources", async page =>
    {
        await Expect(page.Locator("#resources")).ToBeVisibleAsync();
        foreach (var name in Resources)
        {
            var row = ResourceRow(page, name);
            await Expect(await CellAsync(page, "resources", row, "State")).ToHaveTextAsync("running", new() { Timeout = Wait });
            await Expect(await CellAsync(page, "resources", row, "Health")).ToHaveTextAsync("healthy", new() { Timeout = Wait });
        }
        // Nothing unexpected listed beside them.
        await Expect(page.Locator("#resource-rows tr")).ToHaveCountAsync(Resources.Length);
    });

    [Fact]
    public async Task A_service_stopped_from_the_page_turns_unhealthy_and_is_healthy_again_after_restart_from_the_page()
    {
        const string service = "feedback";
        try
        {
            await OnDashboardAsync("#resources", async page =>
            {
                var row = ResourceRow(page, service);
                var state = await CellAsync(page, "resources", row, "State");
                var health = await CellAsync(page, "resources", row, "Health");
                await Expect(health).ToHaveTextAsync("healthy", new() { Timeout = Wait });

                await row.GetByRole(AriaRole.Button, new() { Name = "Stop", Exact = true }).ClickAsync();
                await Expect(state).ToHaveTextAsync("stopped", new() { Timeout = Wait });
                await Expect(health).ToHaveTextAsync("unhealthy", new() { Timeout = Wait });
                // Only that one: the rest of the network carries on.
                await Expect(await CellAsync(page, "resources", ResourceRow(page, "referrals"), "Health")).ToHaveTextAsync("healthy");

                await row.GetByRole(AriaRole.Button, new() { Name = "Restart", Exact = true }).ClickAsync();
                await Expect(state).ToHaveTextAsync("running", new() { Timeout = Wait });
                await Expect(health).ToHaveTextAsync("healthy", new() { Timeout = Wait });
            });
        }
        finally
        {
            // The other tests in the collection share this network: leave the service as it was found.
            await EnsureRunningAsync(service);
        }
    }

    [Fact]
    public async Task A_referral_submitted_through_the_gateway_shows_in_the_traces_view_across_the_services()
    {
        // The gateway starts the trace and names it in traceresponse: the row to look for.
        using var submitted = await SubmitReferralInANewAreaAsync();
        Assert.True(ActivityContext.TryParse(submitted.Headers.GetValues("traceresponse").Single(), null, out var answered));
        var traceId = answered.TraceId.ToHexString();
        output.WriteLine($"referral submitted in trace {traceId}");

        await OnDashboardAsync("#traces", async page =>
        {
            // As an operator would with the id a partner quoted: search for it. The list polls by
            // itself; the trace shows once the first service has exported its spans.
            await page.Locator("#traces-search").FillAsync(traceId);
            var traceRow = page.Locator($"#trace-rows tr[data-trace-id='{traceId}']");
            await Expect(traceRow).ToBeVisibleAsync(new() { Timeout = Wait });
            await traceRow.GetByRole(AriaRole.Link).ClickAsync();

            await Expect(page).ToHaveURLAsync(new Regex($"#trace/{traceId}$"));
            await Expect(page.Locator("#trace")).ToBeVisibleAsync();
            await Expect(page.Locator("#trace-title")).ToContainTextAsync(traceId, new() { Timeout = Wait });

            // The waterfall does not poll (a complete trace does not change), and each service exports
            // its spans in its own batches, the link-worker service's consumer span last: re-open the
            // trace until every service's spans are there.
            var consumer = page.Locator("#span-rows tr[data-service='linkworkers'] span[title^='consumer']");
            ILocator[] services = [.. new[] { "gateway", "referrals", "linkworkers" }.Select(s => page.Locator($"#span-rows tr[data-service='{s}']"))];
            async Task<bool> CompleteAsync()
            {
                foreach (var spans in services.Append(consumer))
                {
                    if (await spans.CountAsync() == 0)
                    {
                        return false;
                    }
                }
                return true;
            }
            var deadline = DateTime.UtcNow.AddMilliseconds(Wait);
            while (!await CompleteAsync() && DateTime.UtcNow < deadline)
            {
                await Task.Delay(2_000);
                await page.ReloadAsync();
                await Expect(page.Locator("#span-rows tr").First).ToBeVisibleAsync(new() { Timeout = Wait });
            }

            foreach (var spans in services)
            {
                await Expect(spans.First).ToBeVisibleAsync();
            }
            await Expect(consumer.First).ToBeVisibleAsync();
            // The gateway's request is where the journey starts: the waterfall's first row.
            await Expect(page.Locator("#span-rows tr").First).ToHaveAttributeAsync("data-service", "gateway");
            output.WriteLine($"trace {traceId} in the waterfall:{Environment.NewLine}{string.Join(Environment.NewLine, await page.Locator("#span-rows tr").AllInnerTextsAsync())}");
        });
    }

    [Fact]
    public async Task The_queues_view_shows_each_queue_and_a_message_that_could_not_be_read_in_its_error_queue()
    {
        // A message no consumer can read (not even as an envelope) is moved to the endpoint's _error queue.
        const string queue = "feedback-referral-journeys";
        using var management = new HttpClient { BaseAddress = new Uri(network.Host.RabbitMqManagementUrl!) };
        management.DefaultRequestHeaders.Authorization = new("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RabbitMqBroker.UserName}:{RabbitMqBroker.Password}")));
        var published = await management.PostAsJsonAsync("api/exchanges/%2F/amq.default/publish", new
        {
            routing_key = queue,
            payload = "not a message",
            payload_encoding = "string",
            properties = new { content_type = "application/vnd.masstransit+json", message_id = Guid.NewGuid().ToString() },
        });
        Assert.Equal("""{"routed":true}""", await published.Content.ReadAsStringAsync());

        await OnDashboardAsync("#queues", async page =>
        {
            // Depths as the management API samples them (each second): the view polls until they show.
            await Expect(page.Locator($"#queue-rows tr[data-queue='{queue}_error']")).ToHaveAttributeAsync("data-messages", new Regex("^[1-9]"), new() { Timeout = Wait });
            await Expect(page.Locator($"#queue-rows tr[data-queue='{queue}_error'] td span").First).ToHaveClassAsync("unhealthy");
            await Expect(page.Locator("#queues-status")).ToContainTextAsync("in error or skipped queues");
            // Every service's endpoints are there with their consumer attached.
            var routing = page.Locator("#queue-rows tr[data-queue='linkworkers-routing']");
            await Expect(await CellAsync(page, "queues", routing, "Consumers")).ToHaveTextAsync("1");
        });
    }

    [Fact]
    public async Task The_metrics_view_charts_referrals_by_pathway_consumers_and_routes()
    {
        using var submitted = await SubmitReferralInANewAreaAsync();

        await OnDashboardAsync("#metrics", async page =>
        {
            // Services export metrics every five seconds here; the page polls every two.
            var submittedChart = page.Locator("#metric-referrals-submitted");
            await Expect(submittedChart).ToHaveAttributeAsync("data-state", "data", new() { Timeout = Wait });
            await Expect(submittedChart.Locator("svg[data-chart=line] g[data-series]").First).ToBeAttachedAsync();
            await Expect(page.Locator("#consumer-rows tr[data-service='linkworkers']").First).ToBeVisibleAsync(new() { Timeout = Wait });
            await Expect(page.Locator("#http-route-rows tr[data-service='gateway']").First).ToBeVisibleAsync(new() { Timeout = Wait });
            await Expect(page.Locator("#metric-subscription-lag")).ToHaveAttributeAsync("data-state", "data", new() { Timeout = Wait });
        });
    }

    /// <summary>A GP's referral in an area of its own, with a link-worker service there to take it.</summary>
    private async Task<HttpResponseMessage> SubmitReferralInANewAreaAsync()
    {
        var area = "browser-" + Guid.NewGuid().ToString("N")[..6];
        var gp = await network.RegisterAsync("Riverside Surgery", "gp-practice", area);
        await network.RegisterAsync("North Link Workers", "link-worker-service", area);
        var submitted = await gp.Client.PostAsJsonAsync("/api/referrals", ReferralJourneyTests.Referral());
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        return submitted;
    }

    private static ILocator ResourceRow(IPage page, string name) => page.Locator($"#resource-rows tr[data-resource='{name}']");

    /// <summary>A row's cell under the named column, found by its header so that a new column does not shift it.</summary>
    private static async Task<ILocator> CellAsync(IPage page, string section, ILocator row, string header)
    {
        var headers = await page.Locator($"#{section} thead th").AllTextContentsAsync();
        var index = headers.Select(h => h.Trim()).ToList().IndexOf(header);
        Assert.True(index >= 0, $"The #{section} table has no '{header}' column; its columns: {string.Join(" | ", headers)}");
        return row.Locator("td").Nth(index);
    }

    /// <summary>
    /// Opens the dashboard in a fresh browser context and runs the test on it; when the test fails,
    /// keeps a screenshot, the page's text and its console messages for the CI log.
    /// </summary>
    private async Task OnDashboardAsync(string view, Func<IPage, Task> test, [CallerMemberName] string testName = "")
    {
        await using var context = await chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 1000 } });
        context.SetDefaultTimeout(Wait);
        var page = await context.NewPageAsync();
        var console = new ConcurrentQueue<string>();
        page.Console += (_, message) => console.Enqueue($"console {message.Type}: {message.Text}");
        page.PageError += (_, error) => console.Enqueue($"page error: {error}");
        try
        {
            await page.GotoAsync(network.Host.DashboardUrl + "/" + view);
            await test(page);
        }
        catch
        {
            await KeepEvidenceAsync(page, testName, console);
            throw;
        }
    }

    private async Task KeepEvidenceAsync(IPage page, string testName, IEnumerable<string> console)
    {
        try
        {
            var folder = Path.Combine(AppContext.BaseDirectory, "browser-failures");
            Directory.CreateDirectory(folder);
            var stem = Path.Combine(folder, $"{testName}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            await page.ScreenshotAsync(new() { Path = stem + ".png", FullPage = true, Timeout = 10_000 });
            var text = new StringBuilder()
                .AppendLine($"URL: {page.Url}")
                .AppendLine("--- page text ---")
                .AppendLine(await page.InnerTextAsync("body", new() { Timeout = 10_000 }))
                .AppendLine("--- console ---")
                .AppendJoin(Environment.NewLine, console)
                .ToString();
            await File.WriteAllTextAsync(stem + ".txt", text);
            output.WriteLine($"The page when the test failed: {stem}.png, {stem}.txt");
            output.WriteLine(text);
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or IOException or UnauthorizedAccessException)
        {
            output.WriteLine($"Could not keep the page for evidence: {e.Message}");
        }
    }

    /// <summary>
    /// Starts the service through the dashboard's JSON API unless it is up, then waits until every
    /// resource is healthy again (the gateway's health follows its upstream services').
    /// </summary>
    private async Task EnsureRunningAsync(string name)
    {
        try
        {
            var state = (await ResourcesAsync()).Single(r => r.GetProperty("name").GetString() == name).GetProperty("state").GetString();
            if (state is not ("starting" or "running" or "restarting"))
            {
                output.WriteLine($"{name} was left {state}; starting it again through the dashboard's API.");
                using var start = new HttpRequestMessage(HttpMethod.Post, $"/api/resources/{name}/start");
                start.Headers.Add(DashboardServer.ActionHeader, "1");
                (await network.Dashboard.SendAsync(start)).EnsureSuccessStatusCode();
            }
            await Eventually.GetAsync(async () => (await ResourcesAsync()).All(r => r.GetProperty("health").GetString() == "healthy") ? "up" : null,
                "every resource healthy again", seconds: 90);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException)
        {
            // Not thrown: it would hide why the test failed; the next tests will show the network's state.
            output.WriteLine($"Could not bring {name} back: {e.Message}");
        }
    }

    private async Task<List<JsonElement>> ResourcesAsync() =>
        [.. (await network.Dashboard.GetFromJsonAsync<JsonElement>("/api/resources")).EnumerateArray()];
}
