using System.Security.Cryptography;

namespace ReferralNetwork.AppHost;

/// <summary>
/// The RSA key pair the gateway signs access tokens with and every service validates them with.
/// Generated once and kept in the data folder, so tokens stay valid across restarts of the network.
/// </summary>
public sealed class TokenSigningKey
{
    private TokenSigningKey(RSA rsa)
    {
        PublicKeyBase64 = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        PrivateKeyBase64 = Convert.ToBase64String(rsa.ExportPkcs8PrivateKey());
    }

    /// <summary>SubjectPublicKeyInfo DER, base64: what <c>Auth__PublicKey</c> carries.</summary>
    public string PublicKeyBase64 { get; }

    /// <summary>PKCS#8 DER, base64: what <c>Auth__PrivateKey</c> carries (gateway only).</summary>
    public string PrivateKeyBase64 { get; }

    public static TokenSigningKey LoadOrCreate(DataFolder data)
    {
        var folder = Path.Combine(data.Path, "keys");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "token-signing-key.pem");
        using var rsa = RSA.Create();
        if (File.Exists(path))
        {
            rsa.ImportFromPem(File.ReadAllText(path));
            return new TokenSigningKey(rsa);
        }
        rsa.KeySize = 2048;
        DataFolder.WriteOwnerOnly(path, rsa.ExportPkcs8PrivateKeyPem());
        return new TokenSigningKey(rsa);
    }
}
