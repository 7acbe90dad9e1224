using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ReferralNetwork.Gateway.People.Pages.Account;

/// <summary>Who is signed in, and signing out.</summary>
[Authorize(AuthenticationSchemes = PersonSignIn.SessionScheme)]
public sealed class IndexModel(UserManager<PersonAccount> accounts, PersonSignIn signIn) : PageModel
{
    public string Name { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync()
    {
        if (await accounts.GetUserAsync(User) is not { } account || !await signIn.CanSignInAsync(account))
        {
            await signIn.SignOutAsync();
            return RedirectToPage("SignIn");
        }

        Name = account.Name;
        return Page();
    }

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        await signIn.SignOutAsync();
        return RedirectToPage("SignIn");
    }
}
