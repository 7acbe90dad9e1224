using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ReferralNetwork.Referrals.Webhooks;

/// <summary>
/// X-Signature: sha256=&lt;lowercase hex HMAC-SHA256(secret, exact body bytes)&gt;, so receivers can check the
/// sender and the body; X-Signature-V2 signs "&lt;X-Timestamp&gt;.&lt;body&gt;" as well, so a captured request
/// cannot be replayed once the receiver's freshness window has passed (partner-api.md §7).
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "X-Signature";
    public const string V2HeaderName = "X-Signature-V2";
    public const string TimestampHeaderName = "X-Timestamp";

    public static string Compute(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>The X-Signature-V2 value for a body sent at <paramref name="unixSeconds"/>.</summary>
    public static string ComputeV2(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }
}
