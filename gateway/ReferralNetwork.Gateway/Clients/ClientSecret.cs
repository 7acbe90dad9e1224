using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace ReferralNetwork.Gateway.Clients;

/// <summary>
/// Client secrets of registered organisations: 256 random bits, shown once, stored as SHA-256.
/// </summary>
/// <remarks>
/// A plain SHA-256 is enough here, and PBKDF2 would add nothing but cost: stretching protects
/// low-entropy, human-chosen passwords from dictionary attacks, while a 256-bit random secret cannot
/// be guessed from its hash however fast the hash is. A slow hash would instead make every token
/// request burn CPU, which an attacker could use against the gateway.
/// </remarks>
public static class ClientSecret
{
    private const int SecretBytes = 32;

    public static string Generate() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Compares in constant time so the answer's timing says nothing about how close a guess was.</summary>
    public static bool Matches(string presented, string storedHash)
    {
        var expected = Convert.FromHexString(storedHash);
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
