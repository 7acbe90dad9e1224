using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace ReferralNetwork.EndToEndTests.WebApp;

/// <summary>
/// The web app as a link worker uses it, in headless chromium through the gateway: a new case arriving in the
/// caseload by itself, taken on, the person reached, what matters to them recorded (refused first, with nothing sent,
/// when empty), a matched service chosen and the person referred on, which the provider's inbox then holds, and a
/// baseline wellbeing measure; every page scanned by axe.
/// </summary>
[Collection(RunningNetworkCollection.Name)]
public class CaseloadBrowserTests(RunningNetwork network, HeadlessChromium chromium) : IClassFixture<HeadlessChromium>
{
    private const string PersonName = "Ada Lovelace";

    [Fact]
    public async Task A_link_worker_takes_on_a_new_case_assesses_it_refers_on_and_records_a_baseline()
    {
        var journey = await Journey.StartAsync(network, "caseload");
        await using var linkWorker = await PersonInBrowser.SignInAsync(network, chromium.Browser, journey.LinkWorkers, "Grace Hopper");
        var page = linkWorker.Page;
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "the start page");

        await page.GetByRole(AriaRole.Link, new() { Name = "Caseload", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("live-status")).ToContainTextAsync("Up to date");
        await Expect(page.GetByText(PersonName)).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("link-workers")).ToContainTextAsync("Sam Jones");

        // The GP refers while the caseload is open: the case appears by itself, the page never reloaded.
        await page.EvaluateAsync("() => window.stillTheSamePage = true");
        var submitted = await journey.Gp.Client.PostAsJsonAsync("/api/referrals", ReferralJourneyTests.Referral());
        var caseId = (await Json.ReadAsync(submitted)).GetProperty("id").GetGuid();
        var arrived = page.GetByTestId("waiting").GetByRole(AriaRole.Link, new() { Name = PersonName });
        await Expect(arrived).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "The caseload reloaded to show the new case.");
        await Expect(page.GetByTestId("live-status")).ToContainTextAsync("1 new case arrived");
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "the caseload");
        await PersonInBrowser.ScreenshotAsync(page, "caseload");

        await arrived.ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("New");
        await Expect(page.GetByTestId("who-and-why")).ToContainTextAsync("Recently bereaved, isolated since moving.");
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "a new case");
        await PersonInBrowser.ScreenshotAsync(page, "case");

        // Taken on by whoever has the most room: the service's one link worker.
        await page.GetByRole(AriaRole.Button, new() { Name = "Accept", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("Accepted");
        await Expect(page.GetByTestId("link-worker")).ToContainTextAsync("Sam Jones");

        await page.GetByLabel("Spoke with them").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Record contact" }).ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("In touch");
        await Expect(page.GetByTestId("contacts")).ToContainTextAsync("spoke with them");

        // What matters: sent empty, each missing answer is said next to its question, and nothing reaches the network.
        await page.GetByRole(AriaRole.Button, new() { Name = "Record what matters" }).ClickAsync();
        await Expect(page.Locator("#assessment-whatMatters-error")).ToContainTextAsync("Write what matters to the person, in their words.");
        await Expect(page.Locator("#assessment-needs-error")).ToContainTextAsync("Choose at least one need you agreed with the person.");
        await Expect(page.GetByRole(AriaRole.Alert).GetByRole(AriaRole.Link, new() { Name = "Write what matters to the person, in their words." })).ToBeVisibleAsync();
        Assert.Equal(JsonValueKind.Null, (await CaseAsync(journey, caseId)).GetProperty("assessment").ValueKind);
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "the assessment with errors");

        var whatMatters = $"Getting out of the house and meeting people again ({Guid.NewGuid():N}).";
        await page.GetByLabel("What matters to the person").FillAsync(whatMatters);
        await page.GetByLabel("Physical activity").CheckAsync();
        await page.GetByLabel("Loneliness").CheckAsync();
        await page.GetByLabel("Interests (optional)").FillAsync("walking, tea");
        await page.GetByLabel("Confidence").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Record what matters" }).ClickAsync();
        await Expect(page.GetByTestId("assessment-recorded")).ToBeVisibleAsync();
        var assessment = (await CaseAsync(journey, caseId)).GetProperty("assessment");
        Assert.Equal(whatMatters, assessment.GetProperty("whatMatters").GetString());
        Assert.Equal(["loneliness", "physical-activity"], assessment.GetProperty("needs").EnumerateArray().Select(n => n.GetString()).Order());
        Assert.Equal(["tea", "walking"], assessment.GetProperty("interests").EnumerateArray().Select(n => n.GetString()).Order());

        // The provider's service among the matches, with its reasons and places; referred on with a note.
        var match = page.GetByTestId("match").Filter(new() { HasText = "Stanley Park walking group" });
        await Expect(match).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(match).ToContainTextAsync("5 of 12 places free");
        await Expect(match.Locator("li").First).ToBeVisibleAsync();
        var note = $"Ada would like to start with a short walk ({Guid.NewGuid():N}).";
        await match.GetByLabel("A note for Green Steps (optional)").FillAsync(note);
        await match.GetByRole(AriaRole.Button, new() { Name = "Refer to this service" }).ClickAsync();
        await Expect(page.GetByTestId("onward-referrals")).ToContainTextAsync("Stanley Park walking group");
        await Expect(match).ToContainTextAsync("Already referred");
        var onwardId = (await CaseAsync(journey, caseId)).GetProperty("onwardReferrals").EnumerateArray().Single().GetProperty("id").GetGuid();
        var inbox = await journey.InboxItemAsync(journey.Provider, onwardId);
        Assert.Equal(caseId, inbox.GetProperty("referralId").GetGuid());
        Assert.Equal(journey.ServiceId, inbox.GetProperty("serviceId").GetGuid());
        Assert.Equal(note, inbox.GetProperty("note").GetString());
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "a case referred on");
        await PersonInBrowser.ScreenshotAsync(page, "case-referred-on");

        // A baseline wellbeing measure: refused while unanswered, then scored by the network (raw 25 is 22.35).
        await page.GetByRole(AriaRole.Button, new() { Name = "Record measure" }).ClickAsync();
        await Expect(page.Locator("#measure-timepoint-error")).ToContainTextAsync("Say whether this is the baseline or a follow-up.");
        await Expect(page.Locator("#measure-item-1-error")).ToBeVisibleAsync();
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "the measure with errors");
        await page.GetByLabel("Baseline: at the start of the support").CheckAsync();
        int[] answers = [3, 4, 3, 3, 4, 4, 4];
        string[] often = ["", "None of the time", "Rarely", "Some of the time", "Often", "All of the time"];
        for (var i = 0; i < answers.Length; i++)
        {
            await page.Locator($"#measure-item-{i + 1}-{answers[i]}").CheckAsync();
            Assert.Equal(often[answers[i]], await page.Locator($"label[for='measure-item-{i + 1}-{answers[i]}']").InnerTextAsync());
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Record measure" }).ClickAsync();
        await Expect(page.GetByTestId("measures")).ToContainTextAsync("Baseline");
        await Expect(page.GetByTestId("measures")).ToContainTextAsync("22.35 (raw score 25)");
        var outcomes = await Json.ReadAsync(await journey.LinkWorkers.Client.GetAsync($"/api/outcomes?referralId={caseId}"));
        var measure = outcomes.GetProperty("measures").EnumerateArray().Single();
        Assert.Equal("baseline", measure.GetProperty("timepoint").GetString());
        Assert.Equal(25, measure.GetProperty("score").GetProperty("raw").GetInt32());

        // A pause: on hold, then taken off it, back where it was.
        await page.GetByRole(AriaRole.Button, new() { Name = "Put on hold" }).ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("On hold");
        await page.GetByRole(AriaRole.Button, new() { Name = "Take off hold" }).ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("In touch");
        Assert.Equal("in-progress", (await CaseAsync(journey, caseId)).GetProperty("status").GetString());

        // The case's story, the link worker's own steps said as theirs.
        await Expect(page.GetByTestId("timeline")).ToContainTextAsync("Referral received");
        await Expect(page.GetByTestId("timeline")).ToContainTextAsync("Taken off hold");
        await Expect(page.GetByTestId("timeline")).ToContainTextAsync($"by you ({linkWorker.Name})", new() { Timeout = 15_000 });
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "a case with a measure");
        await PersonInBrowser.ScreenshotAsync(page, "case-measured");

        // Back on the caseload the person is on Sam Jones's active caseload.
        await page.GetByRole(AriaRole.Link, new() { Name = "Back to the caseload" }).ClickAsync();
        await Expect(page.GetByTestId("active").GetByRole(AriaRole.Link, new() { Name = PersonName })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("link-workers")).ToContainTextAsync("1 of 20");
    }

    private static async Task<JsonElement> CaseAsync(Journey journey, Guid id) =>
        await Json.ReadAsync(await journey.LinkWorkers.Client.GetAsync($"/api/cases/{id}"));
}
