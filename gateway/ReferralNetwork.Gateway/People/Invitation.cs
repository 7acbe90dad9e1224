using System.Security.Cryptography;
using System.Text;

namespace ReferralNetwork.Gateway.People;

/// <summary>
/// The single-use code an inviter passes on to the person (there is no email in this network). It has
/// 256 random bits, so one SHA-256 is enough to store it: it cannot be guessed, only stolen, and the
/// database holds nothing that can be replayed.
/// </summary>
public static class Invitation
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public static string NewCode() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code.Trim())));

    /// <summary>Whether the account still holds an invitation that <paramref name="code"/> opens at <paramref name="now"/>.</summary>
    public static bool Opens(PersonAccount account, string code, DateTimeOffset now) =>
        account is { AccessEndedAt: null, InvitationCodeHash: { } stored, InvitationExpiresAt: { } expires }
        && expires > now
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(Hash(code)));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
