using Microsoft.AspNetCore.Identity;
using OtpNet;

namespace ReferralNetwork.Gateway.People;

/// <summary>
/// Checks authenticator (TOTP) codes like Identity's own provider, on the same key, but accepts each code
/// once: the time step it matched must be later than the last one accepted, so a code seen over a
/// shoulder or replayed cannot be used again while it is still current.
/// </summary>
public sealed class PersonAuthenticator(TimeProvider clock) : IUserTwoFactorTokenProvider<PersonAccount>
{
    public const string Name = "PersonAuthenticator";

    /// <summary>One step either side: a phone's clock a little off still works.</summary>
    private static readonly VerificationWindow Window = new(previous: 1, future: 1);

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<PersonAccount> manager, PersonAccount user) =>
        !string.IsNullOrWhiteSpace(await manager.GetAuthenticatorKeyAsync(user));

    // The code is the app's to show; the server never makes one.
    public Task<string> GenerateAsync(string purpose, UserManager<PersonAccount> manager, PersonAccount user) => Task.FromResult("");

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<PersonAccount> manager, PersonAccount user)
    {
        var key = await manager.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrWhiteSpace(key) || token.Length != 6 || !token.All(char.IsAsciiDigit))
        {
            return false;
        }

        var totp = new Totp(Base32Encoding.ToBytes(key));
        if (!totp.VerifyTotp(clock.GetUtcNow().UtcDateTime, token, out var step, Window) || step <= (user.LastAuthenticatorStep ?? long.MinValue))
        {
            return false;
        }

        // Saved now; two sign-ins racing with the same code meet Identity's concurrency stamp and one fails.
        user.LastAuthenticatorStep = step;
        return (await manager.UpdateAsync(user)).Succeeded;
    }
}
