using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.Tokens;

namespace ReferralNetwork.PartnerApi.Authentication;

/// <summary>What every token of the network carries, and the keys that sign and check them.</summary>
public static class NetworkTokens
{
    public const string Issuer = "referral-network";
    public const string Audience = "referral-network-api";

    public const string OrganisationClaim = "org";
    public const string KindClaim = "kind";
    public const string AreaClaim = "area";
    public const string NameClaim = "org_name";

    /// <summary>The person signed in, in a token issued to a person rather than to an organisation's system: their account's id.</summary>
    public const string PersonClaim = "person";

    /// <summary>The person's name, in a person's token, so a service can say who acted without asking the gateway.</summary>
    public const string PersonNameClaim = "person_name";

    /// <summary>The organisation's credential generation when the token was issued; only the gateway checks it.</summary>
    public const string GenerationClaim = "cred_gen";

    /// <summary>The gateway signs with the private key; services only hold the public key (Auth:PublicKey, base64 SubjectPublicKeyInfo).</summary>
    public static RsaSecurityKey PublicKey(IConfiguration configuration)
    {
        var encoded = configuration["Auth:PublicKey"];
        if (string.IsNullOrWhiteSpace(encoded))
        {
            throw new InvalidOperationException("Auth:PublicKey is not set: the network's token signing public key (base64 SubjectPublicKeyInfo) is required.");
        }

        var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(encoded), out _);
        return new RsaSecurityKey(rsa) { KeyId = KeyId(rsa) };
    }

    public static string KeyId(RSA rsa) =>
        Convert.ToHexStringLower(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()))[..16];

    public static TokenValidationParameters ValidationParameters(SecurityKey key) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = key,
        ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = NameClaim,
        RoleClaimType = KindClaim,
    };
}
