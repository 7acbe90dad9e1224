using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;
using ReferralNetwork.Gateway.People;
using ReferralNetwork.IntegrationTests.Infrastructure;

namespace ReferralNetwork.IntegrationTests;

/// <summary>People accept their invitation, enrol an authenticator and sign in with a password and a second factor, on the gateway's own pages.</summary>
[Collection(RealInfrastructureCollection.Name)]
public partial class AccountPagesTests(RealInfrastructure infrastructure)
{
    public const string Password = "correct horse battery staple";

    private readonly GatewayPeople people = new(infrastructure);

    /// <summary>An invited, accepted and enrolled person: their email, their authenticator app and the recovery codes.</summary>
    public sealed record Enrolled(GatewayPeople.RegisteredOrganisation Organisation, GatewayPeople.Invited Person, Authenticator App, IReadOnlyList<string> RecoveryCodes);

    /// <summary>
    /// The person's authenticator app. The gateway takes each code once and only a later one after it, and
    /// one step (30 s) ahead of its clock: the next code is the current step's or the next one's, waiting
    /// for the clock when both were used.
    /// </summary>
    public sealed class Authenticator(byte[] key)
    {
        private const int Step = 30;
        private long lastStep = long.MinValue;

        public byte[] Key => key;

        public string LastCode { get; private set; } = "";

        public async Task<string> NextCodeAsync()
        {
            while (true)
            {
                var current = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / Step;
                var step = Math.Max(current, lastStep + 1);
                if (step <= current + 1)
                {
                    lastStep = step;
                    LastCode = new Totp(key).ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * Step).UtcDateTime);
                    return LastCode;
                }

                await Task.Delay(TimeSpan.FromSeconds(((current + 1) * Step) - DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 0.2));
            }
        }
    }

    /// <summary>Drives the whole acceptance as a person would; returns the browser, signed in.</summary>
    public static async Task<(PageBrowser Browser, Enrolled Person)> AcceptAsync(RealInfrastructure infrastructure, GatewayPeople people, string role = PersonRoles.Member)
    {
        var organisation = await people.RegisterAsync();
        var invited = await people.InviteAsync(await people.OperatorAsync(), organisation, "Sam Worker", role);
        var browser = new PageBrowser(infrastructure.Gateway);

        var (accepted, acceptedHtml) = await browser.SubmitAsync("/account/accept", new Dictionary<string, string>
        {
            ["Code"] = invited.Code, ["Email"] = invited.Email, ["Password"] = Password, ["ConfirmPassword"] = Password,
        });
        Assert.True(accepted.StatusCode == HttpStatusCode.Redirect, acceptedHtml);
        Assert.StartsWith("/account/authenticator", accepted.Headers.Location!.OriginalString);

        var (page, html) = await browser.GetAsync("/account/authenticator");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var key = Base32Encoding.ToBytes(PageBrowser.TextOf(html, "authenticator-key").Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant());
        var uri = PageBrowser.TextOf(html, "authenticator-uri");
        Assert.StartsWith("otpauth://totp/", uri);
        Assert.Contains("secret=" + Base32Encoding.ToString(key).TrimEnd('='), uri);

        var app = new Authenticator(key);
        var (enrolled, enrolledHtml) = await browser.SubmitAsync("/account/authenticator", new Dictionary<string, string> { ["Code"] = await app.NextCodeAsync() });
        Assert.True(enrolled.StatusCode == HttpStatusCode.OK, enrolledHtml);
        var codes = RecoveryCode().Matches(enrolledHtml).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(AuthenticatorModelCodes, codes.Count);
        return (browser, new Enrolled(organisation, invited, app, codes));
    }

    private const int AuthenticatorModelCodes = ReferralNetwork.Gateway.People.Pages.Account.AuthenticatorModel.RecoveryCodeCount;

    public static async Task<(HttpResponseMessage Response, string Html)> SignInAsync(PageBrowser browser, string email, string password, string returnUrl = "") =>
        await browser.SubmitAsync("/account/sign-in" + (returnUrl.Length > 0 ? "?returnUrl=" + Uri.EscapeDataString(returnUrl) : ""),
            new Dictionary<string, string> { ["Email"] = email, ["Password"] = password });

    [Fact]
    public async Task A_person_accepts_enrols_and_signs_in_with_their_password_and_a_current_code_or_a_recovery_code_once()
    {
        var (browser, person) = await AcceptAsync(infrastructure, people);
        var (home, homeHtml) = await browser.GetAsync("/account");
        Assert.True(home.StatusCode == HttpStatusCode.OK, homeHtml);
        Assert.Equal("Sam Worker", PageBrowser.TextOf(homeHtml, "person-name"));
        // The sign-in cookie opens the account pages only: the API wants a bearer token (so no cross-site request can use it).
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.GetAsync($"/api/organisations/{person.Organisation.Id}/people")).StatusCode);

        var again = new PageBrowser(infrastructure.Gateway);
        var (first, _) = await SignInAsync(again, person.Person.Email, Password);
        Assert.Equal("/account/second-factor", first.Headers.Location!.OriginalString.Split('?')[0]);
        // The password alone opens nothing.
        Assert.Equal(HttpStatusCode.Redirect, (await again.GetAsync("/account")).Response.StatusCode);

        // The code just used to enrol is spent.
        var (wrong, wrongHtml) = await again.SubmitAsync("/account/second-factor", new Dictionary<string, string> { ["Code"] = person.App.LastCode });
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("That code is wrong", wrongHtml);

        var code = await person.App.NextCodeAsync();
        var (second, _) = await again.SubmitAsync("/account/second-factor", new Dictionary<string, string> { ["Code"] = code });
        Assert.Equal("/account", second.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/account")).Response.StatusCode);

        // A code is good once: seen over a shoulder, it opens nothing.
        var replaying = new PageBrowser(infrastructure.Gateway);
        await SignInAsync(replaying, person.Person.Email, Password);
        var (replayed, replayedHtml) = await replaying.SubmitAsync("/account/second-factor", new Dictionary<string, string> { ["Code"] = code });
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Contains("That code is wrong", replayedHtml);

        // A recovery code works once.
        var recovering = new PageBrowser(infrastructure.Gateway);
        await SignInAsync(recovering, person.Person.Email, Password);
        var (recovered, _) = await recovering.SubmitAsync("/account/second-factor", new Dictionary<string, string> { ["Code"] = person.RecoveryCodes[0] });
        Assert.Equal(HttpStatusCode.Redirect, recovered.StatusCode);
        var reusing = new PageBrowser(infrastructure.Gateway);
        await SignInAsync(reusing, person.Person.Email, Password);
        var (reused, _) = await reusing.SubmitAsync("/account/second-factor", new Dictionary<string, string> { ["Code"] = person.RecoveryCodes[0] });
        Assert.Equal(HttpStatusCode.OK, reused.StatusCode);

        // Signing out ends the session.
        var (signedOut, _) = await again.SubmitAsync("/account", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await again.GetAsync("/account")).Response.StatusCode);
    }

    [Fact]
    public async Task An_invitation_opens_once_and_not_after_it_expires_and_a_weak_password_uses_nothing()
    {
        var organisation = await people.RegisterAsync();
        var operatorClient = await people.OperatorAsync();
        var invited = await people.InviteAsync(operatorClient, organisation, "Sam", PersonRoles.Member);
        var browser = new PageBrowser(infrastructure.Gateway);

        var (weak, weakHtml) = await browser.SubmitAsync("/account/accept", new Dictionary<string, string>
        {
            ["Code"] = invited.Code, ["Email"] = invited.Email, ["Password"] = "short", ["ConfirmPassword"] = "short",
        });
        Assert.Equal(HttpStatusCode.OK, weak.StatusCode);
        Assert.Contains("There is a problem", weakHtml);
        Assert.Contains("href=\"#Password\"", weakHtml);

        var (wrongEmail, _) = await browser.SubmitAsync("/account/accept", new Dictionary<string, string>
        {
            ["Code"] = invited.Code, ["Email"] = GatewayPeople.NewEmail(), ["Password"] = Password, ["ConfirmPassword"] = Password,
        });
        Assert.Equal(HttpStatusCode.OK, wrongEmail.StatusCode);

        var (accepted, _) = await browser.SubmitAsync("/account/accept", new Dictionary<string, string>
        {
            ["Code"] = invited.Code, ["Email"] = invited.Email, ["Password"] = Password, ["ConfirmPassword"] = Password,
        });
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);

        var (reused, reusedHtml) = await new PageBrowser(infrastructure.Gateway).SubmitAsync("/account/accept", new Dictionary<string, string>
        {
            ["Code"] = invited.Code, ["Email"] = invited.Email, ["Password"] = Password + "!", ["ConfirmPassword"] = Password + "!",
        });
        Assert.Equal(HttpStatusCode.OK, reused.StatusCode);
        Assert.Contains("does not open an invitation", reusedHtml);

        var late = await people.InviteAsync(operatorClient, organisation, "Late", PersonRoles.Member);
        await using (var scope = infrastructure.Gateway.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PeopleDb>();
            var account = await db.Users.SingleAsync(a => a.Id == late.Id);
            account.InvitationExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1);
            await db.SaveChangesAsync();
        }

        var (expired, _) = await new PageBrowser(infrastructure.Gateway).SubmitAsync("/account/accept", new Dictionary<string, string>
        {
            ["Code"] = late.Code, ["Email"] = late.Email, ["Password"] = Password, ["ConfirmPassword"] = Password,
        });
        Assert.Equal(HttpStatusCode.OK, expired.StatusCode);
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        var (_, person) = await AcceptAsync(infrastructure, people);
        var browser = new PageBrowser(infrastructure.Gateway);
        for (var i = 0; i < PeopleExtensions.FailedSignInsBeforeLockout; i++)
        {
            var (wrong, html) = await SignInAsync(browser, person.Person.Email, "not the password at all");
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        var (locked, lockedHtml) = await SignInAsync(browser, person.Person.Email, Password);
        Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
        Assert.Contains("locked", lockedHtml);
    }

    [Fact]
    public async Task Ended_access_or_a_suspended_organisation_cannot_sign_in()
    {
        var operatorClient = await people.OperatorAsync();
        var (_, ended) = await AcceptAsync(infrastructure, people);
        Assert.True((await operatorClient.DeleteAsync($"/api/organisations/{ended.Organisation.Id}/people/{ended.Person.Id}")).IsSuccessStatusCode);
        var (refused, _) = await SignInAsync(new PageBrowser(infrastructure.Gateway), ended.Person.Email, Password);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);

        var (_, suspended) = await AcceptAsync(infrastructure, people);
        Assert.True((await operatorClient.PostAsync($"/api/admin/organisations/{suspended.Organisation.Id}/suspend", null)).IsSuccessStatusCode);
        var (refusedToo, _) = await SignInAsync(new PageBrowser(infrastructure.Gateway), suspended.Person.Email, Password);
        Assert.Equal(HttpStatusCode.OK, refusedToo.StatusCode);
    }

    [Fact]
    public async Task Every_field_has_a_label_and_the_pages_may_not_be_framed()
    {
        foreach (var path in new[] { "/account/accept", "/account/sign-in" })
        {
            var (page, html) = await new PageBrowser(infrastructure.Gateway).GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
            var fields = VisibleInputId().Matches(html).Select(m => m.Groups[1].Value).ToList();
            Assert.NotEmpty(fields);
            Assert.All(fields, id => Assert.Contains($"for=\"{id}\"", html));
        }
    }

    [GeneratedRegex("<li><code>([^<]+)</code></li>")]
    private static partial Regex RecoveryCode();

    [GeneratedRegex("<input(?![^>]*type=\"hidden\")[^>]*id=\"([^\"]+)\"")]
    private static partial Regex VisibleInputId();
}
