using System.Security.Cryptography;
using System.Text;

namespace ReferralNetwork.Referrals.Webhooks;

/// <summary>X-Signature: sha256=&lt;lowercase hex HMAC-SHA256(secret, exact body bytes)&gt;, so receivers can check the sender and the body.</summary>
public static class WebhookSignature
{
    public const string HeaderName = "X-Signature";

    public static string Compute(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
