using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ReferralNetwork.Gateway.Clients;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.Gateway.Tokens;

/// <summary>Signs the network's access tokens (RS256) with Auth:PrivateKey; services check them with the public key.</summary>
public sealed class TokenIssuer
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(3600);

    private readonly SigningCredentials signing;
    private readonly TimeProvider clock;
    private readonly JsonWebTokenHandler handler = new();

    public TokenIssuer(IConfiguration configuration, TimeProvider clock)
    {
        this.clock = clock;
        var encoded = configuration["Auth:PrivateKey"];
        if (string.IsNullOrWhiteSpace(encoded))
        {
            throw new InvalidOperationException("Auth:PrivateKey is not set: the gateway needs the token signing key (base64 PKCS#8 DER, RSA).");
        }

        var rsa = ReadPrivateKey(encoded);

        // Tokens signed with a key the services don't hold would all be refused; fail at start instead.
        var published = NetworkTokens.PublicKey(configuration).Rsa.ExportSubjectPublicKeyInfo();
        if (!rsa.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(published))
        {
            throw new InvalidOperationException("Auth:PrivateKey does not belong to Auth:PublicKey.");
        }

        signing = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = NetworkTokens.KeyId(rsa) }, SecurityAlgorithms.RsaSha256);
    }

    /// <summary>PKCS#8 as configured; a PKCS#1 RSA key (what some openssl commands write) is accepted too.</summary>
    private static RSA ReadPrivateKey(string encoded)
    {
        var rsa = RSA.Create();
        try
        {
            var der = Convert.FromBase64String(encoded);
            try
            {
                rsa.ImportPkcs8PrivateKey(der, out _);
            }
            catch (CryptographicException)
            {
                rsa.ImportRSAPrivateKey(der, out _);
            }

            return rsa;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            rsa.Dispose();
            throw new InvalidOperationException("Auth:PrivateKey is not a base64 PKCS#8 (or PKCS#1) DER RSA private key.", ex);
        }
    }

    /// <summary>The key and algorithm every token of the network is signed with (the OpenID Connect server's id tokens too).</summary>
    public SigningCredentials Signing => signing;

    public string Issue(TokenSubject subject) => Issue(subject, []);

    /// <summary>
    /// A person's token (issued through the OpenID Connect server): the organisation's claims as for its
    /// system, with the person's id as <c>sub</c> and in <c>person</c>, and their name.
    /// </summary>
    public string IssueForPerson(TokenSubject subject, Guid personId, string personName) =>
        Issue(subject, [
            new Claim(NetworkTokens.PersonClaim, personId.ToString()),
            new Claim(NetworkTokens.PersonNameClaim, personName),
        ], subjectId: personId.ToString());

    private string Issue(TokenSubject subject, IReadOnlyList<Claim> extra, string? subjectId = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = NetworkTokens.Issuer,
            Audience = NetworkTokens.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            SigningCredentials = signing,
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, subjectId ?? subject.ClientId),
                new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
                new Claim("client_id", subject.ClientId),
                new Claim(NetworkTokens.OrganisationClaim, subject.OrganisationId.ToString()),
                new Claim(NetworkTokens.KindClaim, OrganisationKinds.ToWire(subject.Kind)),
                new Claim(NetworkTokens.AreaClaim, subject.Area),
                new Claim(NetworkTokens.NameClaim, subject.Name),
                new Claim(NetworkTokens.GenerationClaim, subject.CredentialGeneration.ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer32),
                .. extra,
            ]),
        });
    }
}
