using Microsoft.Playwright;

namespace ReferralNetwork.EndToEndTests;

/// <summary>
/// One headless Debian chromium for a test class, driven by Playwright. Never Playwright's own
/// browser builds: nothing is downloaded, scripts/install-prerequisites.sh --for-tests installs chromium.
/// </summary>
public sealed class HeadlessChromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? playwright;
    private IBrowser? browser;

    public IBrowser Browser => browser ?? throw new InvalidOperationException("Chromium has not been launched.");

    public async Task InitializeAsync()
    {
        // Fail, not skip: a machine without chromium would otherwise pass CI without testing the dashboard.
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed ({ExecutablePath} is missing), and the dashboard's browser tests need it. " +
                "Run: bash scripts/install-prerequisites.sh --for-tests (scripts/test.sh does this itself).");
        }

        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                // Runs as root in CI, where chromium's sandbox refuses to start.
                "--no-sandbox",
                "--disable-gpu",
                // The network here is closed: no update checks, sync or QUIC probes that only time out.
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.CloseAsync();
        }
        playwright?.Dispose();
    }
}
