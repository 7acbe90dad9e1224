using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace ReferralNetwork.Gateway.People.Pages.Account;

/// <summary>Enrolling an authenticator app (TOTP), confirmed with a current code; the recovery codes are shown once, here.</summary>
public sealed class AuthenticatorModel(UserManager<PersonAccount> accounts, PersonSignIn signIn) : AccountPage
{
    public const int RecoveryCodeCount = 10;

    private const string Issuer = "Referral Network";

    [BindProperty]
    [Required(ErrorMessage = "Enter the 6-digit code your authenticator app shows")]
    [Display(Name = "Code from your authenticator app")]
    public string? Code { get; set; }

    public string? Secret { get; private set; }

    public string? SetupUri { get; private set; }

    /// <summary>Set once enrolment succeeded: shown on this answer only, never again.</summary>
    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await signIn.EnrollingAsync() is not { } account)
        {
            return RedirectToPage("SignIn", new { ReturnUrl });
        }

        await ShowKeyAsync(account);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await signIn.EnrollingAsync() is not { } account)
        {
            return RedirectToPage("SignIn", new { ReturnUrl });
        }

        if (ModelState.IsValid && !await accounts.VerifyTwoFactorTokenAsync(account, accounts.Options.Tokens.AuthenticatorTokenProvider, Compact(Code)))
        {
            ModelState.AddModelError(nameof(Code), "That code is not the one your authenticator app shows now. Check the app was set up with the key above and try the current code.");
        }

        if (!ModelState.IsValid)
        {
            await ShowKeyAsync(account);
            return Page();
        }

        await accounts.SetTwoFactorEnabledAsync(account, true);
        RecoveryCodes = (await accounts.GenerateNewTwoFactorRecoveryCodesAsync(account, RecoveryCodeCount))?.ToList() ?? [];
        await signIn.EndEnrolmentAsync();
        // Password and a current code: the person is signed in.
        await signIn.SignInAsync(account, isPersistent: false, authenticationMethod: "otp");
        return Page();
    }

    public string ContinueUrl => SafeReturnUrl;

    private async Task ShowKeyAsync(PersonAccount account)
    {
        var key = await accounts.GetAuthenticatorKeyAsync(account) ?? "";
        // Groups of four are easier to type into an app by hand.
        Secret = string.Join(' ', key.Chunk(4).Select(c => new string(c))).ToLowerInvariant();
        SetupUri = $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(account.Email ?? "")}?secret={key}&issuer={Uri.EscapeDataString(Issuer)}&digits=6&period=30";
    }
}
