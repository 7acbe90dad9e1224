using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ReferralNetwork.EndToEndTests;

/// <summary>
/// The Aspire dashboard as an operator opens it, in headless chromium with its login token: every
/// resource of the network running and healthy, and one referral's journey as one trace. Only what
/// this network puts there; Microsoft's own UI is not tested beyond that.
/// </summary>
[Collection(RunningNetworkCollection.Name)]
public class DashboardBrowserTests(RunningNetwork network, HeadlessChromium chromium, ITestOutputHelper output) : IClassFixture<HeadlessChromium>
{
    /// <summary>Generous: each service exports its spans in its own batches.</summary>
    private const float Wait = 60_000;

    private static readonly string[] Resources =
    [
        "postgres", "linkworkersdb", "providersdb", "feedbackdb", "referralsdb", "gatewaydb",
        "rabbitmq", "rabbitmq-epmd", "linkworkers", "communityproviders", "feedback", "referrals", "webapp", "gateway",
    ];

    [Fact]
    public async Task The_dashboard_shows_every_resource_running_and_healthy_and_a_referral_as_one_trace_from_the_gateway_to_the_link_workers()
    {
        using var submitted = await SubmitReferralInANewAreaAsync();
        Assert.True(ActivityContext.TryParse(submitted.Headers.GetValues("traceresponse").Single(), null, out var answered));
        var traceId = answered.TraceId.ToHexString();
        output.WriteLine($"referral submitted in trace {traceId}");

        await using var context = await chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 1000 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(network.DashboardLoginUrl);

        // The login token lands on the resources page; each row's state says Running, with the healthy mark.
        foreach (var name in Resources)
        {
            var state = page.Locator($"tr.resource-row:has(td[col-index='1'][aria-label$=': {name}']) td[col-index='2']");
            await Expect(state).ToHaveAttributeAsync("title", "Running", new() { Timeout = Wait });
            await Expect(state.Locator("svg.severity-icon")).ToHaveAttributeAsync("style", new System.Text.RegularExpressions.Regex("--success"));
        }

        // The journey: the gateway's request, the referral service's relay, the link-worker service's consumer.
        await page.GotoAsync(new Uri(network.DashboardUrl, $"traces/detail/{traceId}").ToString());
        ILocator[] journey =
        [
            page.Locator("td[col-index='1'][title^='gateway: POST /api/referrals']"),
            page.Locator("td[col-index='1'][title='referrals: relay ReferralRequested']"),
            page.Locator("td[col-index='1'][title='linkworkers: linkworkers-routing process']"),
        ];
        var deadline = Stopwatch.StartNew();
        while (!await AllVisibleAsync(journey) && deadline.ElapsedMilliseconds < Wait)
        {
            // A trace's page shows the spans that had arrived when it opened.
            await Task.Delay(2_000);
            await page.ReloadAsync();
        }
        foreach (var span in journey)
        {
            await Expect(span.First).ToBeVisibleAsync();
        }
        output.WriteLine(string.Join(Environment.NewLine, await page.Locator("td[col-index='1']").EvaluateAllAsync<string[]>("cells => cells.map(c => c.title)")));
    }

    private static async Task<bool> AllVisibleAsync(IEnumerable<ILocator> locators)
    {
        foreach (var locator in locators)
        {
            if (await locator.CountAsync() == 0)
            {
                return false;
            }
        }
        return true;
    }

    private async Task<HttpResponseMessage> SubmitReferralInANewAreaAsync()
    {
        var area = "dashboard-" + Guid.NewGuid().ToString("N")[..6];
        var gp = await network.RegisterAsync("Dashboard Surgery", "gp-practice", area);
        await network.RegisterAsync("Dashboard Link Workers", "link-worker-service", area);
        var submitted = await gp.Client.PostAsJsonAsync("/api/referrals", ReferralJourneyTests.Referral());
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        return submitted;
    }
}
