using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace ReferralNetwork.Referrals.Webhooks;

/// <summary>
/// Where webhooks may be sent. A partner must not be able to make the network call into its own
/// hosts (loopback, private, link-local, unspecified): checked when a subscription is made and again
/// at every connection, because DNS can change in between. Only tests and local development lift
/// that, with <see cref="WebhookOptions.AllowPrivateAddresses"/>; the environment's name never does.
/// The other rules (absolute http or https, no credentials, length) hold everywhere.
/// </summary>
public static class WebhookAddress
{
    public const int MaxLength = 2000;

    /// <summary>Why <paramref name="url"/> is refused without looking anything up, or null when it passes.</summary>
    public static string? Refusal(string? url, bool allowPrivateAddresses)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "Required.";
        }

        if (url.Length > MaxLength)
        {
            return $"At most {MaxLength} characters.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "Must be an absolute http or https URL.";
        }

        // Credentials in the URL would end up in logs and traces; the signature authenticates us instead.
        if (uri.UserInfo.Length > 0)
        {
            return "Must not contain user name or password.";
        }

        if (allowPrivateAddresses)
        {
            return null;
        }

        if (uri.IsLoopback || uri.DnsSafeHost.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || uri.DnsSafeHost.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return RefusedAddress;
        }

        return IPAddress.TryParse(uri.DnsSafeHost, out var literal) && IsRefused(literal) ? RefusedAddress : null;
    }

    /// <summary>As <see cref="Refusal"/>, and unless private addresses are allowed also refuses host names that resolve to a refused address.</summary>
    public static async Task<string?> RefusalAfterResolvingAsync(string? url, bool allowPrivateAddresses, CancellationToken ct)
    {
        if (Refusal(url, allowPrivateAddresses) is { } refusal)
        {
            return refusal;
        }

        if (allowPrivateAddresses)
        {
            return null;
        }

        try
        {
            var addresses = await ResolveAsync(new Uri(url!).DnsSafeHost, ct);
            return addresses.Length == 0 ? "The host name does not resolve." : addresses.Any(IsRefused) ? RefusedAddress : null;
        }
        catch (SocketException)
        {
            return "The host name does not resolve.";
        }
    }

    public const string RefusedAddress = "Must not point at a loopback, private, link-local or unspecified address.";

    /// <summary>Loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10) or unspecified.</summary>
    public static bool IsRefused(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return b[0] is 0 or 10 or 127
                || (b[0] == 172 && (b[1] & 0xF0) == 16)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254);
        }

        return address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6Loopback)
            || (b[0] & 0xFE) == 0xFC
            || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80);
    }

    /// <summary>
    /// Connects only after checking every address the host resolves to, and then to those same
    /// addresses, so a DNS answer that changed since the subscription was made (or changes between
    /// a check and the connection) cannot reach an internal host.
    /// </summary>
    public static async ValueTask<Stream> ConnectToPublicAddressAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, ct);
        if (addresses.Length == 0 || addresses.Any(IsRefused))
        {
            throw new WebhookAddressRefusedException(context.DnsEndPoint.Host);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
        IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
}

public sealed class WebhookAddressRefusedException(string host)
    : Exception($"{host} resolves to a loopback, private, link-local or unspecified address.");
