using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ReferralNetwork.EndToEndTests.WebApp;

/// <summary>
/// The web app as a community provider's staff use it, in headless chromium through the gateway: signed in as
/// themselves, their inbox filling by itself, the onward referral worked, a message the GP's system then reads,
/// every page scanned by axe; and what another organisation's people see of it: nothing.
/// </summary>
[Collection(RunningNetworkCollection.Name)]
public class ProviderInboxBrowserTests(RunningNetwork network, HeadlessChromium chromium, ITestOutputHelper output) : IClassFixture<HeadlessChromium>
{
    private const string PersonName = "Ada Lovelace";

    [Fact]
    public async Task A_providers_staff_member_sees_an_onward_referral_arrive_works_it_and_sends_a_message_the_gp_reads()
    {
        var journey = await Journey.StartAsync(network, "webapp");
        var referralId = await journey.ReferralInProgressAsync();
        await using var staff = await PersonInBrowser.SignInAsync(network, chromium.Browser, journey.Provider, "Priya Shah", checkPages: true);
        var page = staff.Page;
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "the start page");
        await PersonInBrowser.ScreenshotAsync(page, "start");

        await page.GetByRole(AriaRole.Link, new() { Name = "Inbox", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("live-status")).ToContainTextAsync("Up to date");
        await Expect(page.GetByText(PersonName)).ToHaveCountAsync(0);

        // The link worker refers on while the inbox is open: it appears by itself, the page never reloaded.
        await page.EvaluateAsync("() => window.stillTheSamePage = true");
        var onwardId = await journey.ReferOnAsync(referralId, journey.ServiceId);
        var arrived = page.GetByTestId("to-acknowledge").GetByRole(AriaRole.Link, new() { Name = PersonName });
        await Expect(arrived).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "The inbox reloaded to show the new referral.");
        await Expect(page.GetByTestId("live-status")).ToContainTextAsync("1 new referral arrived");
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "the inbox");
        await PersonInBrowser.ScreenshotAsync(page, "inbox");

        // On a phone: nothing wider than the screen, still no serious accessibility issue.
        await page.SetViewportSizeAsync(390, 844);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "The inbox is wider than a phone's screen.");
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "the inbox on a phone");
        await PersonInBrowser.ScreenshotAsync(page, "inbox-phone");
        await page.SetViewportSizeAsync(1280, 900);

        await arrived.ClickAsync();
        await Expect(page.GetByTestId("acknowledge-by")).ToContainTextAsync("Acknowledge by");
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "a new onward referral");
        await PersonInBrowser.ScreenshotAsync(page, "onward-referral");
        await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("Acknowledged");

        // Rejecting without a reason says so next to the question and changes nothing; accepting then works.
        await page.GetByRole(AriaRole.Button, new() { Name = "Reject", Exact = true }).ClickAsync();
        await Expect(page.Locator("#reject-reason-error")).ToContainTextAsync("Choose why you are rejecting the referral.");
        await Expect(page.GetByRole(AriaRole.Alert).GetByRole(AriaRole.Link, new() { Name = "Choose why you are rejecting the referral." })).ToBeVisibleAsync();
        Assert.Equal("received", (await journey.InboxItemAsync(journey.Provider, onwardId)).GetProperty("status").GetString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Accept", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("Accepted");

        // A session: nothing filled in, then a date in the future, each refused next to its field, nothing recorded.
        await page.GetByRole(AriaRole.Button, new() { Name = "Record session" }).ClickAsync();
        await Expect(page.Locator("#attendance-date-error")).ToContainTextAsync("Enter the date of the session.");
        await Expect(page.Locator("#attendance-attended-error")).ToContainTextAsync("Say whether they came to the session.");
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "a form with errors");
        var tomorrow = DateTime.UtcNow.AddDays(2);
        await FillDateAsync(page, tomorrow);
        await page.GetByLabel("Yes").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Record session" }).ClickAsync();
        await Expect(page.Locator("#attendance-date-error")).ToContainTextAsync("The date must be today or in the past.");
        await FillDateAsync(page, DateTime.UtcNow.AddDays(-1));
        await page.GetByRole(AriaRole.Button, new() { Name = "Record session" }).ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("Attending");
        await Expect(page.GetByTestId("attendances")).ToContainTextAsync("attended");
        var worked = await journey.InboxItemAsync(journey.Provider, onwardId);
        Assert.Equal("in-progress", worked.GetProperty("status").GetString());
        Assert.Single(worked.GetProperty("attendances").EnumerateArray());

        // A message: an empty one is refused; the one sent is what the GP's system reads through the partner API.
        await page.GetByRole(AriaRole.Button, new() { Name = "Send message" }).ClickAsync();
        await Expect(page.Locator("#message-text-error")).ToContainTextAsync("Write the message before sending it.");
        var text = $"Ada came to her first walk and enjoyed it ({Guid.NewGuid():N}).";
        await page.GetByLabel("Write a message").FillAsync(text);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send message" }).ClickAsync();
        await Expect(page.GetByTestId("messages")).ToContainTextAsync(text);
        // The GP's system answers through the partner API; the open page shows it by itself.
        var reply = $"Thank you, that is good to hear ({Guid.NewGuid():N}).";
        (await journey.Gp.Client.PostAsJsonAsync($"/api/referrals/{referralId}/messages", new { text = reply })).EnsureSuccessStatusCode();
        await Expect(page.GetByTestId("messages")).ToContainTextAsync(reply, new() { Timeout = 15_000 });
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "an onward referral under way");
        await PersonInBrowser.ScreenshotAsync(page, "onward-referral-under-way");

        // Finishing: refused without saying how it ended; completed with a summary, which frees the place.
        await page.GetByRole(AriaRole.Button, new() { Name = "Finish" }).ClickAsync();
        await Expect(page.Locator("#close-outcome-error")).ToContainTextAsync("Say whether it was completed or did not work out.");
        await Expect(page.Locator("#close-text-error")).ToContainTextAsync("Write a short summary of how it went.");
        Assert.Equal("in-progress", (await journey.InboxItemAsync(journey.Provider, onwardId)).GetProperty("status").GetString());
        await page.GetByLabel("Completed").CheckAsync();
        await page.GetByLabel("Summary for the link worker and the referrer").FillAsync("Came to four walks; now walks with a neighbour.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Finish" }).ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("Completed");
        await Journey.SeenByAsync(journey.Gp, $"/api/referrals/{referralId}", r => Journey.OnwardStatus(r, onwardId) == "completed", "the completion at the GP");

        var messages = await Json.ReadAsync(await journey.Gp.Client.GetAsync($"/api/referrals/{referralId}/messages"));
        var sent = messages.EnumerateArray().Single(m => m.GetProperty("text").GetString() == text);
        Assert.Equal(journey.Provider.Id, sent.GetProperty("by").GetProperty("organisationId").GetGuid());

        // Who did it: the referral's timeline names the provider's person for what they did, as the GP sees it.
        var timeline = await Journey.SeenByAsync(journey.Gp, $"/api/referrals/{referralId}/timeline",
            t => t.EnumerateArray().Any(e => PersonOf(e) == staff.Id && e.GetProperty("type").GetString()!.Contains("message")), "the message on the timeline");
        output.WriteLine(string.Join(Environment.NewLine, timeline.EnumerateArray().Select(e => $"{e.GetProperty("type")} by {PersonOf(e)}")));

        // Their services: the places free, refused when nonsense, saved when right.
        await page.GetByRole(AriaRole.Link, new() { Name = "Our services" }).ClickAsync();
        var service = page.GetByTestId("service");
        // Five were free when listed; accepting Ada took one, completing gave it back.
        await Expect(service.GetByTestId("places")).ToHaveTextAsync("5 of 12");
        await service.GetByLabel("Places free now").FillAsync("lots");
        await service.GetByRole(AriaRole.Button, new() { Name = "Save places" }).ClickAsync();
        await Expect(service.Locator(".nhsuk-error-message")).ToContainTextAsync("Enter a whole number from 0 to 12.");
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "the services page with an error");
        await service.GetByLabel("Places free now").FillAsync("3");
        await service.GetByLabel("Waiting time for a place").SelectOptionAsync("under-1-month");
        await service.GetByRole(AriaRole.Button, new() { Name = "Save places" }).ClickAsync();
        await Expect(service.GetByTestId("places")).ToHaveTextAsync("3 of 12");
        await service.GetByRole(AriaRole.Button, new() { Name = "These details are still right" }).ClickAsync();
        var listing = await Json.ReadAsync(await journey.Provider.Client.GetAsync($"/api/directory/services/{journey.ServiceId}"));
        Assert.Equal(3, listing.GetProperty("capacity").GetProperty("available").GetInt32());
        Assert.Equal("under-1-month", listing.GetProperty("waitlist").GetString());
        await PersonInBrowser.ScreenshotAsync(page, "services");

        // Nothing about Ada kept in the browser: no web storage, and cookies that are keys, not data.
        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length + sessionStorage.length"));
        var cookies = await staff.Context.CookiesAsync();
        Assert.All(cookies, c => Assert.True(c.HttpOnly, $"{c.Name} can be read by script"));
        // Whole values only: random key material may well hold "ada" by chance, never a name or number this long.
        string[] aboutAda = ["Lovelace", "9434765919", "07700900123"];
        Assert.DoesNotContain(cookies, c => aboutAda.Any(d => c.Value.Contains(d, StringComparison.OrdinalIgnoreCase)));
        output.WriteLine("cookies: " + string.Join(", ", cookies.Select(c => $"{c.Name} ({c.Value.Length} characters)")));
    }

    [Fact]
    public async Task A_person_of_another_organisation_sees_none_of_it()
    {
        var journey = await Journey.StartAsync(network, "webapp-other");
        var referralId = await journey.ReferralInProgressAsync();
        var onwardId = await journey.ReferOnAsync(referralId, journey.ServiceId);
        await journey.InboxItemAsync(journey.Provider, onwardId);

        // Another provider in the same area: its inbox is empty, and the onward referral's own address finds nothing.
        var other = await network.RegisterAsync("Canal Boat Club", "community-provider", journey.Area);
        await using var stranger = await PersonInBrowser.SignInAsync(network, chromium.Browser, other, "Tom Reed");
        await stranger.Page.GetByRole(AriaRole.Link, new() { Name = "Inbox", Exact = true }).ClickAsync();
        await Expect(stranger.Page.GetByTestId("live-status")).ToContainTextAsync("Up to date");
        await Expect(stranger.Page.GetByText(PersonName)).ToHaveCountAsync(0);
        await stranger.Page.GotoAsync($"/app/inbox/{onwardId}");
        await Expect(stranger.Page.GetByTestId("problem")).ToContainTextAsync("Not found");
        await Expect(stranger.Page.GetByText(PersonName)).ToHaveCountAsync(0);

        // The GP's own staff: the inbox is not theirs at all.
        await using var gpStaff = await PersonInBrowser.SignInAsync(network, chromium.Browser, journey.Gp, "Dr Okafor");
        await gpStaff.Page.GotoAsync("/app/inbox");
        await Expect(gpStaff.Page.GetByRole(AriaRole.Heading, new() { Name = "You cannot see this page" })).ToBeVisibleAsync();
        await gpStaff.Page.GotoAsync($"/app/inbox/{onwardId}");
        await Expect(gpStaff.Page.GetByRole(AriaRole.Heading, new() { Name = "You cannot see this page" })).ToBeVisibleAsync();
        await Expect(gpStaff.Page.GetByText(PersonName)).ToHaveCountAsync(0);
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(gpStaff.Page, "the page refused");

        // Signed out: the app's pages send people to sign in, and nothing is shown.
        await gpStaff.Page.GotoAsync("/app/");
        await gpStaff.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(gpStaff.Page.GetByTestId("sign-in")).ToBeVisibleAsync();
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(gpStaff.Page, "the start page, signed out");
        await PersonInBrowser.ScreenshotAsync(gpStaff.Page, "signed-out");
        await gpStaff.Page.GotoAsync($"/app/inbox/{onwardId}");
        await Expect(gpStaff.Page.Locator("#Email")).ToBeVisibleAsync();
        Assert.Contains("/account/sign-in", gpStaff.Page.Url);
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(gpStaff.Page, "the gateway's sign-in page");
        await PersonInBrowser.ScreenshotAsync(gpStaff.Page, "account-sign-in");

        // Signing in again, with a password and a recovery code, leads back to the page asked for.
        await gpStaff.Page.Locator("#Email").FillAsync(gpStaff.Email);
        await gpStaff.Page.Locator("#Password").FillAsync(PersonInBrowser.Password);
        await gpStaff.Page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Expect(gpStaff.Page.GetByRole(AriaRole.Heading, new() { Name = "Enter your code" })).ToBeVisibleAsync();
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(gpStaff.Page, "the gateway's second-factor page");
        await gpStaff.Page.Locator("#Code").FillAsync(gpStaff.RecoveryCodes[0]);
        await gpStaff.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(gpStaff.Page.GetByRole(AriaRole.Heading, new() { Name = "You cannot see this page" })).ToBeVisibleAsync();
        // Back where they were going, which is still not theirs.
        Assert.Contains("/app/not-allowed", gpStaff.Page.Url);

        // The app's own pages for an address that does not exist and a sign-in that did not happen.
        await gpStaff.Page.GotoAsync("/app/no-such-page");
        await Expect(gpStaff.Page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(gpStaff.Page, "the page not found");
        await gpStaff.Page.GotoAsync("/app/sign-in-failed");
        await Expect(gpStaff.Page.GetByRole(AriaRole.Heading, new() { Name = "You were not signed in" })).ToBeVisibleAsync();
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(gpStaff.Page, "the sign-in that failed");

        // Another area's link-worker service: the case is not in its caseload, and its own address finds nothing.
        var otherService = await network.RegisterAsync("South Link Workers", "link-worker-service", journey.Area + "-south");
        await using var otherLinkWorker = await PersonInBrowser.SignInAsync(network, chromium.Browser, otherService, "Ravi Patel");
        await otherLinkWorker.Page.GetByRole(AriaRole.Link, new() { Name = "Caseload", Exact = true }).ClickAsync();
        await Expect(otherLinkWorker.Page.GetByTestId("live-status")).ToContainTextAsync("Up to date");
        await Expect(otherLinkWorker.Page.GetByText(PersonName)).ToHaveCountAsync(0);
        await otherLinkWorker.Page.GotoAsync($"/app/caseload/{referralId}");
        await Expect(otherLinkWorker.Page.GetByTestId("problem")).ToContainTextAsync("Not found");
        await Expect(otherLinkWorker.Page.GetByText(PersonName)).ToHaveCountAsync(0);
    }

    private static async Task FillDateAsync(IPage page, DateTime date)
    {
        await page.GetByLabel("Day").FillAsync(date.Day.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByLabel("Month").FillAsync(date.Month.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByLabel("Year").FillAsync(date.Year.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static Guid? PersonOf(JsonElement entry) =>
        entry.GetProperty("by").TryGetProperty("personId", out var person) && person.ValueKind == JsonValueKind.String ? person.GetGuid() : null;
}
