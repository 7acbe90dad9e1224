using System.Security.Cryptography;

namespace ReferralNetwork.Hosting;

/// <summary>
/// The RSA key pair the gateway signs access tokens with and every service validates them with.
/// Generated once and kept in the data folder, so tokens stay valid across restarts of the network.
/// </summary>
public sealed class TokenSigningKey
{
    private const string FileName = "token-signing-key.pem";

    private TokenSigningKey(string filePath, RSA rsa)
    {
        FilePath = filePath;
        PublicKeyBase64 = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        PrivateKeyBase64 = Convert.ToBase64String(rsa.ExportPkcs8PrivateKey());
    }

    public string FilePath { get; }

    /// <summary>SubjectPublicKeyInfo DER, base64: what <c>Auth__PublicKey</c> carries.</summary>
    public string PublicKeyBase64 { get; }

    /// <summary>PKCS#8 DER, base64: what <c>Auth__PrivateKey</c> carries (gateway only).</summary>
    public string PrivateKeyBase64 { get; }

    public static TokenSigningKey LoadOrCreate(string keysDirectory)
    {
        Directory.CreateDirectory(keysDirectory);
        var path = Path.Combine(keysDirectory, FileName);
        using var rsa = RSA.Create();
        if (File.Exists(path))
        {
            rsa.ImportFromPem(File.ReadAllText(path));
            return new TokenSigningKey(path, rsa);
        }
        rsa.KeySize = 2048;
        // Written under a temporary name and moved, so a crash never leaves half a key behind.
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, rsa.ExportPkcs8PrivateKeyPem());
        UnixProcesses.SetFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
        return new TokenSigningKey(path, rsa);
    }
}
