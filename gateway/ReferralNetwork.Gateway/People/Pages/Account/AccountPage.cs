using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ReferralNetwork.Gateway.People.Pages.Account;

/// <summary>What the account pages share: open to anyone (the network's default policy wants a bearer token), and a return address that stays on the gateway.</summary>
[AllowAnonymous]
public abstract class AccountPage : PageModel
{
    /// <summary>Where to go once signed in, usually the OpenID Connect authorize request; only a local path is followed.</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    protected string SafeReturnUrl => ReturnUrl is { Length: > 0 } url && Url.IsLocalUrl(url) ? url : "/account";

    /// <summary>The code as people type it: with spaces or hyphens between the groups.</summary>
    protected static string Compact(string? code) => new((code ?? "").Where(c => !char.IsWhiteSpace(c) && c != '-').ToArray());
}
