using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ReferralNetwork.Gateway.People.Pages.Account;

/// <summary>The first factor: email and password, counted towards lockout.</summary>
public sealed class SignInModel(UserManager<PersonAccount> accounts, PersonSignIn signIn) : AccountPage
{
    public const string Wrong = "The email address or password is wrong, or this account cannot sign in.";

    [BindProperty]
    [Required(ErrorMessage = "Enter your email address")]
    [Display(Name = "Email address")]
    public string? Email { get; set; }

    [BindProperty]
    [Required(ErrorMessage = "Enter your password")]
    [Display(Name = "Password")]
    public string? Password { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        // One message for an unknown email, a wrong password and an account that may not sign in.
        if (await accounts.FindByEmailAsync(Email!.Trim()) is not { } account)
        {
            ModelState.AddModelError(nameof(Password), Wrong);
            return Page();
        }

        if (!account.TwoFactorEnabled)
        {
            // Accepted but never enrolled: the password only opens the enrolment, never a session.
            var checkedPassword = await signIn.CheckPasswordSignInAsync(account, Password!, lockoutOnFailure: true);
            if (checkedPassword.Succeeded)
            {
                await signIn.BeginEnrolmentAsync(account);
                return RedirectToPage("Authenticator", new { ReturnUrl });
            }

            return Refused(checkedPassword);
        }

        var result = await signIn.PasswordSignInAsync(account, Password!, isPersistent: false, lockoutOnFailure: true);
        return result.RequiresTwoFactor ? RedirectToPage("SecondFactor", new { ReturnUrl }) : Refused(result);
    }

    private PageResult Refused(Microsoft.AspNetCore.Identity.SignInResult result)
    {
        ModelState.AddModelError(nameof(Password), result.IsLockedOut
            ? $"Too many failed attempts: this account is locked for {PeopleExtensions.LockoutFor.TotalMinutes:0} minutes."
            : Wrong);
        return Page();
    }
}
