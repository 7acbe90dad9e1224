using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace ReferralNetwork.Gateway.RateLimiting;

/// <summary>
/// The load balancers or ingress controllers in front of the gateway (configuration section
/// "TrustedProxies"): addresses or CIDR networks. Only a request arriving from one of them may say
/// whose it is (X-Forwarded-For); from anywhere else the header is ignored, so a client cannot pick
/// its own rate-limit bucket. None by default: the gateway is reached directly.
/// </summary>
public sealed class TrustedProxyOptions
{
    public const string Section = "TrustedProxies";

    public string[] Networks { get; set; } = [];

    public static bool TryParse(string network, out IPNetwork parsed)
    {
        if (IPNetwork.TryParse(network, out parsed))
        {
            return true;
        }

        if (IPAddress.TryParse(network, out var address))
        {
            parsed = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }
}

public static class TrustedProxies
{
    /// <summary>ASP.NET Core's forwarded-headers handling, trusting the configured proxies and nothing else.</summary>
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services)
    {
        services.AddOptions<TrustedProxyOptions>()
            .BindConfiguration(TrustedProxyOptions.Section)
            .Validate(o => o.Networks.All(n => TrustedProxyOptions.TryParse(n, out _)),
                "TrustedProxies:Networks must each be an IP address or a CIDR network such as 10.0.0.0/8.")
            .ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((o, trusted) =>
        {
            // With no proxy listed the framework would trust every sender, so then the header is not read at all.
            o.ForwardedHeaders = trusted.Value.Networks.Length > 0 ? ForwardedHeaders.XForwardedFor : ForwardedHeaders.None;
            // The framework trusts loopback by default; here only what the operator configured counts.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var network in trusted.Value.Networks)
            {
                if (TrustedProxyOptions.TryParse(network, out var parsed))
                {
                    o.KnownIPNetworks.Add(parsed);
                }
            }

            // The last proxy's word only: an address further left was written by the client.
            o.ForwardLimit = 1;
        });
        return services;
    }
}
