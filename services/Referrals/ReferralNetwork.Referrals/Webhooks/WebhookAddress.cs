using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace ReferralNetwork.Referrals.Webhooks;

/// <summary>
/// Where webhooks may be sent. A partner must not be able to make the network call into its own
/// hosts or anything not publicly routable: checked when a subscription is made and again at every
/// connection, on the address actually connected to, because DNS can change in between (rebinding).
/// Only https, except where <see cref="WebhookOptions.AllowLoopbackReceivers"/> is set (tests and local
/// development): then http and loopback are allowed too, and nothing else is; the environment's name
/// never decides. The other rules (absolute URL, no credentials, length) hold everywhere.
/// </summary>
public static class WebhookAddress
{
    public const int MaxLength = 2000;

    public const string RefusedAddress =
        "Must not point at a loopback, private, link-local, shared, multicast, reserved or unspecified address.";

    public const string HttpsRequired = "Must be an absolute https URL.";

    public const string DoesNotResolve = "The host name does not resolve.";

    // Not publicly routable, or routable only to something the network must not call (RFC 6890 and the
    // IANA special-purpose registries). IPv4-mapped addresses are checked as IPv4 first.
    private static readonly IPNetwork[] RefusedIPv4 =
    [
        IPNetwork.Parse("0.0.0.0/8"),        // "this network"; 0.0.0.0 reaches the local host on Linux
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"),    // shared address space (carrier NAT, cloud metadata such as 100.100.100.200)
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),   // link-local, cloud metadata 169.254.169.254
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),     // IETF protocol assignments
        IPNetwork.Parse("192.0.2.0/24"),     // documentation
        IPNetwork.Parse("192.88.99.0/24"),   // deprecated 6to4 relay anycast
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),    // benchmarking
        IPNetwork.Parse("198.51.100.0/24"),  // documentation
        IPNetwork.Parse("203.0.113.0/24"),   // documentation
        IPNetwork.Parse("224.0.0.0/4"),      // multicast
        IPNetwork.Parse("240.0.0.0/4"),      // reserved, and broadcast 255.255.255.255
    ];

    // IPv6 is allowed only inside global unicast 2000::/3, which leaves out ::, ::1, IPv4-compatible,
    // NAT64 64:ff9b::/96 and 64:ff9b:1::/48, discard 100::/64, fc00::/7, fe80::/10, fec0::/10 and ff00::/8.
    private static readonly IPNetwork GlobalUnicastIPv6 = IPNetwork.Parse("2000::/3");

    private static readonly IPNetwork[] RefusedGlobalIPv6 =
    [
        IPNetwork.Parse("2001::/23"),        // IETF protocol assignments, Teredo (embeds an IPv4 address) among them
        IPNetwork.Parse("2001:db8::/32"),    // documentation
        IPNetwork.Parse("2002::/16"),        // 6to4, embeds an IPv4 address
        IPNetwork.Parse("3fff::/20"),        // documentation
    ];

    /// <summary>Why <paramref name="url"/> is refused without looking anything up, or null when it passes.</summary>
    public static string? Refusal(string? url, bool allowLoopbackReceivers)
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
            return allowLoopbackReceivers ? "Must be an absolute http or https URL." : HttpsRequired;
        }

        // Plain http would let anyone on the path read health data and replay signed bodies.
        if (uri.Scheme != Uri.UriSchemeHttps && !allowLoopbackReceivers)
        {
            return HttpsRequired;
        }

        // Credentials in the URL would end up in logs and traces; the signature authenticates us instead.
        if (uri.UserInfo.Length > 0)
        {
            return "Must not contain user name or password.";
        }

        // Uri has already turned decimal, octal and hex IPv4 spellings into dotted quads.
        var host = uri.DnsSafeHost;
        if (IPAddress.TryParse(host, out var literal))
        {
            return IsAllowed(literal, allowLoopbackReceivers) ? null : RefusedAddress;
        }

        if (IsLocalhostName(host))
        {
            return allowLoopbackReceivers ? null : RefusedAddress;
        }

        return null;
    }

    /// <summary>
    /// As <see cref="Refusal"/>, and also refuses host names that do not resolve or resolve to a refused
    /// address. Where loopback receivers are allowed names are not looked up (tests have no DNS); the
    /// connection check still applies to them.
    /// </summary>
    public static async Task<string?> RefusalAfterResolvingAsync(string? url, bool allowLoopbackReceivers, CancellationToken ct)
    {
        if (Refusal(url, allowLoopbackReceivers) is { } refusal)
        {
            return refusal;
        }

        var host = new Uri(url!).DnsSafeHost;
        if (allowLoopbackReceivers || IPAddress.TryParse(host, out _))
        {
            return null;
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, ct);
            return addresses.Length == 0 ? DoesNotResolve : addresses.All(a => IsAllowed(a, false)) ? null : RefusedAddress;
        }
        catch (SocketException)
        {
            return DoesNotResolve;
        }
    }

    /// <summary>Whether the network may connect to <paramref name="address"/>: public unicast, or loopback where allowed.</summary>
    public static bool IsAllowed(IPAddress address, bool allowLoopbackReceivers)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (allowLoopbackReceivers && IPAddress.IsLoopback(address))
        {
            return true;
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => !RefusedIPv4.Any(n => n.Contains(address)),
            AddressFamily.InterNetworkV6 => GlobalUnicastIPv6.Contains(address) && !RefusedGlobalIPv6.Any(n => n.Contains(address)),
            _ => false,
        };
    }

    /// <summary>Refused unless loopback receivers are allowed: RFC 6761 reserves localhost and its subdomains.</summary>
    private static bool IsLocalhostName(string host)
    {
        var name = host.TrimEnd('.');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The SocketsHttpHandler connect callback: every connection goes through <see cref="ConnectAsync"/>.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(bool allowLoopbackReceivers) =>
        (context, ct) => ConnectAsync(context.DnsEndPoint, allowLoopbackReceivers, ct);

    /// <summary>
    /// Resolves the host itself, checks every address and connects only to those same addresses, so no
    /// DNS answer (first or changed since subscribing) can steer a delivery to an internal host.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool allowLoopbackReceivers, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endPoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endPoint.Host, ct);
        if (addresses.Length == 0 || !addresses.All(a => IsAllowed(a, allowLoopbackReceivers)))
        {
            throw new WebhookAddressRefusedException(endPoint.Host);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

public sealed class WebhookAddressRefusedException(string host)
    : Exception($"{host} resolves to an address webhooks may not call (loopback, private, link-local, shared, multicast or reserved).");
