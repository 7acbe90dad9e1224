using Microsoft.AspNetCore.Http;

namespace ReferralNetwork.PartnerApi;

/// <summary>ETag = the stream version; If-Match carries the version a command expects.</summary>
public static class ETags
{
    public static string For(long version) => $"\"{version}\"";

    /// <summary>The expected version from If-Match; null when absent. Returns false when present but unreadable.</summary>
    public static bool TryReadIfMatch(HttpRequest request, out long? expectedVersion)
    {
        expectedVersion = null;
        var header = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(header) || header == "*")
        {
            return true;
        }

        var value = header.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }

        if (long.TryParse(value.Trim('"'), out var version) && version >= 0)
        {
            expectedVersion = version;
            return true;
        }

        return false;
    }

    /// <summary>The expected version from If-Match, null when absent; a malformed one is a 400.</summary>
    public static long? IfMatch(HttpRequest request) =>
        TryReadIfMatch(request, out var expected)
            ? expected
            : throw new PartnerBadRequest("If-Match must be a version number as returned in ETag.");

    public static void Set(HttpResponse response, long version) => response.Headers.ETag = For(version);
}
