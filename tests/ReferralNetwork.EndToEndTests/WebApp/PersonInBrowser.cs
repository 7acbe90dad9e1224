using System.Net.Http.Json;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using OtpNet;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace ReferralNetwork.EndToEndTests.WebApp;

/// <summary>
/// A person of an organisation in their own browser: invited by the operator, accepting the invitation on the
/// gateway's pages (password, authenticator app), then signed in to the web app at /app, as a person would.
/// </summary>
public sealed class PersonInBrowser : IAsyncDisposable
{
    public const string Password = "a long walk by the river";

    private PersonInBrowser(IBrowserContext context, IPage page, Guid id, string name, string email, IReadOnlyList<string> recoveryCodes)
    {
        Context = context;
        Page = page;
        Id = id;
        Name = name;
        Email = email;
        RecoveryCodes = recoveryCodes;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public Guid Id { get; }

    public string Name { get; }

    public string Email { get; }

    /// <summary>Shown once at enrolment; each signs in once instead of an authenticator code.</summary>
    public IReadOnlyList<string> RecoveryCodes { get; }

    /// <summary>Invited by the operator, then as <see cref="AcceptAsync"/>.</summary>
    /// <param name="checkPages">Scan the gateway's account pages with axe on the way, and take their screenshots.</param>
    public static async Task<PersonInBrowser> SignInAsync(
        AspireNetwork network, IBrowser browser, Partner organisation, string name, bool checkPages = false, string role = "member")
    {
        var invited = await Json.ReadAsync(await (await network.OperatorAsync()).PostAsJsonAsync(
            $"/api/organisations/{organisation.Id}/people", new { name, email = $"{Guid.NewGuid():N}@example.org", role }));
        return await AcceptAsync(network, browser, organisation, invited.GetProperty("id").GetGuid(), name,
            invited.GetProperty("email").GetString()!, invited.GetProperty("invitationCode").GetString()!, checkPages);
    }

    /// <summary>In a browser of their own: accepts the invitation, sets up the authenticator, and arrives signed in at the web app.</summary>
    public static async Task<PersonInBrowser> AcceptAsync(
        AspireNetwork network, IBrowser browser, Partner organisation, Guid id, string name, string email, string code, bool checkPages = false)
    {
        async Task CheckAsync(IPage page, string what)
        {
            if (checkPages)
            {
                await NoSeriousAccessibilityIssuesAsync(page, what);
                await ScreenshotAsync(page, what.Replace(' ', '-'));
            }
        }

        var context = await browser.NewContextAsync(new() { BaseURL = network.GatewayUrl.ToString(), ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add($"{message.Type}: {message.Text}");

        // The invitation, then the authenticator; once enrolled, on to the web app's sign-in, which the gateway's new session answers at once.
        await page.GotoAsync("/account/accept?ReturnUrl=%2Fapp%2Fsign-in");
        await CheckAsync(page, "account accept");
        await page.Locator("#Code").FillAsync(code);
        await page.Locator("#Email").FillAsync(email);
        await page.Locator("#Password").FillAsync(Password);
        await page.Locator("#ConfirmPassword").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        var key = await page.Locator("#authenticator-key").TextContentAsync();
        await CheckAsync(page, "account authenticator");
        // The key is shown in groups, as people type it.
        var secret = new string(key!.Where(char.IsLetterOrDigit).ToArray()).ToUpperInvariant();
        await page.Locator("#Code").FillAsync(new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp());
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Expect(page.Locator("#recovery-codes")).ToBeVisibleAsync();
        await CheckAsync(page, "account recovery codes");
        var recoveryCodes = (await page.Locator("#recovery-codes li").AllTextContentsAsync()).Select(c => c.Trim()).ToList();
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();

        try
        {
            await Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync($"{name}, {organisation.Name}", new() { Timeout = 30_000 });
        }
        catch (PlaywrightException e)
        {
            // Where the sign-in ended up says why.
            throw new InvalidOperationException($"{name} was not signed in to the web app; the browser is at {page.Url}: {await page.Locator("body").InnerTextAsync()}; console: {string.Join(" | ", console)}", e);
        }
        return new PersonInBrowser(context, page, id, name, email, recoveryCodes);
    }

    /// <summary>
    /// An axe scan of the page as it is now: no serious or critical violation of WCAG 2.2 A and AA (and axe's
    /// best practices at those levels); anything found is named with where it is.
    /// </summary>
    public static async Task NoSeriousAccessibilityIssuesAsync(IPage page, string what)
    {
        var results = await page.RunAxe(new Deque.AxeCore.Commons.AxeRunOptions
        {
            RunOnly = new Deque.AxeCore.Commons.RunOnlyOptions
            {
                Type = "tag",
                Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
            },
        });
        var serious = results.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"axe on {what} ({page.Url}): " + string.Join("; ",
            serious.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
    }

    /// <summary>A screenshot for docs/images when WEBAPP_SCREENSHOTS names a folder (scripts/screenshots.sh); nothing otherwise.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("WEBAPP_SCREENSHOTS") is { Length: > 0 } folder)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"webapp-{name}.png"), FullPage = true });
        }
    }

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();
}
