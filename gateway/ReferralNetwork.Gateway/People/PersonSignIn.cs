using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using ReferralNetwork.Gateway.Organisations;

namespace ReferralNetwork.Gateway.People;

/// <summary>
/// Identity's sign-in, refusing anyone who may not act for an organisation now: an invitation not yet
/// accepted, ended access, or a suspended (or unknown) organisation. Every way in (password, second
/// factor, the OpenID Connect server) asks <see cref="SignInManager{TUser}.CanSignInAsync"/>.
/// </summary>
public sealed class PersonSignIn(
    UserManager<PersonAccount> accounts,
    IHttpContextAccessor http,
    IUserClaimsPrincipalFactory<PersonAccount> claims,
    IOptions<IdentityOptions> options,
    ILogger<SignInManager<PersonAccount>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<PersonAccount> confirmation,
    IQuerySession registry)
    : SignInManager<PersonAccount>(accounts, http, claims, options, logger, schemes, confirmation)
{
    /// <summary>The short-lived cookie of a person who proved their password (or invitation) but has no authenticator yet.</summary>
    public const string EnrolmentScheme = "People.Enrolment";

    /// <summary>Identity's application cookie (IdentityConstants.ApplicationScheme, not a constant, so attributes cannot name it).</summary>
    public const string SessionScheme = "Identity.Application";

    public override async Task<bool> CanSignInAsync(PersonAccount user) =>
        user is { AcceptedAt: not null, AccessEndedAt: null }
        && await OrganisationActiveAsync(user.OrganisationId)
        && await base.CanSignInAsync(user);

    public async Task<bool> OrganisationActiveAsync(Guid organisationId) =>
        await registry.LoadAsync<Organisation>(organisationId) is { Suspended: false };

    /// <summary>Lets the person enrol an authenticator, and nothing else, for a few minutes.</summary>
    public async Task BeginEnrolmentAsync(PersonAccount account)
    {
        // The key first: making one changes the security stamp the cookie is bound to.
        if (string.IsNullOrEmpty(await UserManager.GetAuthenticatorKeyAsync(account)))
        {
            await UserManager.ResetAuthenticatorKeyAsync(account);
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, account.Id.ToString()), new Claim(Options.ClaimsIdentity.SecurityStampClaimType, account.SecurityStamp ?? "")],
            EnrolmentScheme);
        await Context.SignInAsync(EnrolmentScheme, new ClaimsPrincipal(identity));
    }

    /// <summary>The person enrolling, while their enrolment cookie lasts and their account has not changed since (a new security stamp ends it).</summary>
    public async Task<PersonAccount?> EnrollingAsync()
    {
        var result = await Context.AuthenticateAsync(EnrolmentScheme);
        if (result.Principal?.FindFirstValue(ClaimTypes.NameIdentifier) is not { } id || await UserManager.FindByIdAsync(id) is not { } account)
        {
            return null;
        }

        var stamp = result.Principal.FindFirstValue(Options.ClaimsIdentity.SecurityStampClaimType);
        return stamp == account.SecurityStamp && await CanSignInAsync(account) ? account : null;
    }

    public Task EndEnrolmentAsync() => Context.SignOutAsync(EnrolmentScheme);
}
