using System.Net.Http.Json;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace ReferralNetwork.EndToEndTests.WebApp;

/// <summary>
/// A small organisation has no system to call the people API with: its administrator invites and removes
/// people in the web app. The invitation code is shown once; ending access ends what the person sees at once.
/// </summary>
[Collection(RunningNetworkCollection.Name)]
public class PeopleBrowserTests(RunningNetwork network, HeadlessChromium chromium) : IClassFixture<HeadlessChromium>
{
    [Fact]
    public async Task An_administrator_invites_a_colleague_who_signs_in_and_whose_access_they_then_end()
    {
        var journey = await Journey.StartAsync(network, "webapp-people");
        await using var administrator = await PersonInBrowser.SignInAsync(network, chromium.Browser, journey.Provider, "Grace Hopper", role: "administrator");
        var page = administrator.Page;
        await page.GetByRole(AriaRole.Link, new() { Name = "People", Exact = true }).ClickAsync();
        var people = page.GetByTestId("people");
        await Expect(people).ToContainTextAsync("Grace Hopper");
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "the people page");

        // Nothing filled in, then an address that is not one: each said next to its field, nobody invited.
        await page.GetByRole(AriaRole.Button, new() { Name = "Invite", Exact = true }).ClickAsync();
        await Expect(page.Locator("#invite-name-error")).ToContainTextAsync("Enter their name.");
        await Expect(page.Locator("#invite-email-error")).ToContainTextAsync("Enter their email address.");
        await Expect(page.Locator("#invite-role-error")).ToContainTextAsync("Choose what they may do.");
        await page.GetByLabel("Their name").FillAsync("Sam Colleague");
        await page.GetByLabel("Their email address").FillAsync("sam at example");
        await page.GetByLabel("Work with referrals", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Invite", Exact = true }).ClickAsync();
        await Expect(page.Locator("#invite-email-error")).ToContainTextAsync("Enter an email address like sam@example.org.");
        await PersonInBrowser.NoSeriousAccessibilityIssuesAsync(page, "the invitation form with errors");
        Assert.Single(await Json.ReadAllPagesAsync(await network.OperatorAsync(), $"/api/organisations/{journey.Provider.Id}/people"));

        var email = $"{Guid.NewGuid():N}@example.org";
        await page.GetByLabel("Their email address").FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Invite", Exact = true }).ClickAsync();
        var code = await page.GetByTestId("invitation-code").TextContentAsync();
        await Expect(people).ToContainTextAsync("Sam Colleague");
        await PersonInBrowser.ScreenshotAsync(page, "people");
        var colleagueId = (await Json.ReadAllPagesAsync(await network.OperatorAsync(), $"/api/organisations/{journey.Provider.Id}/people"))
            .Single(p => p.GetProperty("email").GetString() == email).GetProperty("id").GetGuid();

        // The colleague signs in with the code; a member may see the people page but not manage anyone.
        await using var colleague = await PersonInBrowser.AcceptAsync(network, chromium.Browser, journey.Provider, colleagueId, "Sam Colleague", email, code!);
        await colleague.Page.GetByRole(AriaRole.Link, new() { Name = "People", Exact = true }).ClickAsync();
        await Expect(colleague.Page.GetByTestId("not-administrator")).ToBeVisibleAsync();
        await Expect(colleague.Page.GetByText(administrator.Name)).ToHaveCountAsync(0);
        await colleague.Page.GetByRole(AriaRole.Link, new() { Name = "Inbox", Exact = true }).ClickAsync();
        await Expect(colleague.Page.GetByTestId("live-status")).ToContainTextAsync("Up to date");

        // Ended: the colleague's open inbox stops showing anything at its next refresh, and signing in again is refused.
        await page.GetByRole(AriaRole.Button, new() { Name = "End access for Sam Colleague" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, end Sam Colleague's access" }).ClickAsync();
        await Expect(people.GetByRole(AriaRole.Row).Filter(new() { HasText = "Sam Colleague" })).ToContainTextAsync("Access ended");
        await Expect(colleague.Page.GetByTestId("problem")).ToContainTextAsync("Sign in again", new() { Timeout = 30_000 });
        await Expect(colleague.Page.GetByRole(AriaRole.Heading, new() { Name = "New: to acknowledge" })).ToHaveCountAsync(0);
        await colleague.Page.GetByRole(AriaRole.Link, new() { Name = "Sign in again" }).ClickAsync();
        await Expect(colleague.Page.Locator("#Email")).ToBeVisibleAsync();
        Assert.Contains("/account/sign-in", colleague.Page.Url);
    }
}
