using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace ReferralNetwork.Gateway.People.Pages.Account;

/// <summary>Accepting an invitation: the code and the email it was given for, and a password of the person's own.</summary>
public sealed class AcceptModel(UserManager<PersonAccount> accounts, PersonSignIn signIn, TimeProvider clock) : AccountPage
{
    [BindProperty]
    [Required(ErrorMessage = "Enter the invitation code you were given")]
    [Display(Name = "Invitation code")]
    public string? Code { get; set; }

    [BindProperty]
    [Required(ErrorMessage = "Enter your email address")]
    [Display(Name = "Email address")]
    public string? Email { get; set; }

    [BindProperty]
    [Required(ErrorMessage = "Choose a password")]
    [Display(Name = "Choose a password")]
    public string? Password { get; set; }

    [BindProperty]
    [Required(ErrorMessage = "Type the password again")]
    [Compare(nameof(Password), ErrorMessage = "The two passwords are not the same")]
    [Display(Name = "Type the password again")]
    public string? ConfirmPassword { get; set; }

    public int MinimumLength => accounts.Options.Password.RequiredLength;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var account = await accounts.FindByEmailAsync(Email!.Trim());
        // One answer for a wrong code, a wrong email, a used or an expired invitation: none of them says more.
        if (account is null || !Invitation.Opens(account, Code!, clock.GetUtcNow()))
        {
            ModelState.AddModelError(nameof(Code), "This code does not open an invitation for this email address: it may be mistyped, used or expired. Ask whoever invited you for a new one.");
            return Page();
        }

        if (!await signIn.OrganisationActiveAsync(account.OrganisationId))
        {
            ModelState.AddModelError(nameof(Code), "Your organisation cannot sign in to the network at the moment. Ask whoever invited you.");
            return Page();
        }

        account.InvitationCodeHash = null;
        account.InvitationExpiresAt = null;
        account.AcceptedAt = clock.GetUtcNow();
        account.EmailConfirmed = true;
        // One update with the password: a weak password saves nothing, and a second use of the code at the
        // same moment fails on Identity's concurrency stamp.
        var accepted = await accounts.AddPasswordAsync(account, Password!);
        if (!accepted.Succeeded)
        {
            var concurrent = accepted.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure) || e.Code == nameof(IdentityErrorDescriber.UserAlreadyHasPassword));
            foreach (var error in accepted.Errors)
            {
                ModelState.AddModelError(concurrent ? nameof(Code) : nameof(Password), concurrent ? "This invitation has already been used." : error.Description);
            }

            return Page();
        }

        await signIn.BeginEnrolmentAsync(account);
        return RedirectToPage("Authenticator", new { ReturnUrl });
    }
}
