using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;

namespace ReferralNetwork.Gateway.People.Pages.Account;

/// <summary>The second factor: the authenticator's current code, or one of the recovery codes.</summary>
public sealed class SecondFactorModel(PersonSignIn signIn) : AccountPage
{
    [BindProperty]
    [Required(ErrorMessage = "Enter the code from your authenticator app, or a recovery code")]
    [Display(Name = "Code from your authenticator app, or a recovery code")]
    public string? Code { get; set; }

    public async Task<IActionResult> OnGetAsync() =>
        await signIn.GetTwoFactorAuthenticationUserAsync() is null ? RedirectToPage("SignIn", new { ReturnUrl }) : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await signIn.GetTwoFactorAuthenticationUserAsync() is null)
        {
            return RedirectToPage("SignIn", new { ReturnUrl });
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var code = Compact(Code);
        // Six digits is the authenticator's code; a recovery code is longer and has letters.
        var result = code.Length == 6 && code.All(char.IsAsciiDigit)
            ? await signIn.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false)
            // Recovery codes are stored with their hyphen.
            : await signIn.TwoFactorRecoveryCodeSignInAsync(new string(Code!.Where(c => !char.IsWhiteSpace(c)).ToArray()));
        if (result.Succeeded)
        {
            return LocalRedirect(SafeReturnUrl);
        }

        ModelState.AddModelError(nameof(Code), result.IsLockedOut
            ? $"Too many failed attempts: this account is locked for {PeopleExtensions.LockoutFor.TotalMinutes:0} minutes."
            : "That code is wrong or has expired. Enter the code your app shows now.");
        return Page();
    }
}
