namespace ReferralNetwork.Web;

/// <summary>The web app's settings (section <c>Web</c>).</summary>
public sealed class WebAppOptions
{
    public const string Section = "Web";

    /// <summary>
    /// The gateway as people's browsers reach it (<c>https://referrals.example.nhs.uk</c>): where they sign in
    /// (its OpenID Connect server), the address the app is served under, and the partner API the app calls.
    /// </summary>
    public Uri? Gateway { get; set; }

    /// <summary>
    /// The OpenID Connect provider people sign in at; the gateway's own when unset. Another provider must put
    /// the network's claims (person, org, kind, org_name) in its access tokens, which the services must trust.
    /// </summary>
    public Uri? Authority { get; set; }

    /// <summary>Where the gateway serves the app (a YARP route); the app's own addresses are under it.</summary>
    public string PathBase { get; set; } = "/app";

    /// <summary>The app's client at the gateway's OpenID Connect server (<c>People:Clients:&lt;id&gt;</c> there).</summary>
    public string ClientId { get; set; } = "referral-network-web";

    public string? ClientSecret { get; set; }

    /// <summary>
    /// True only where the gateway is plain HTTP on loopback (the AppHost): sign-in otherwise insists on HTTPS.
    /// An explicit setting, never inferred from the environment's name.
    /// </summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Where the gateway's requests come from besides loopback (CIDR, e.g. <c>10.0.0.0/8</c> in a cluster): only
    /// these are believed when they say the browser used HTTPS.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>How often an open inbox or caseload asks for what changed.</summary>
    public TimeSpan RefreshEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The settings, checked: a missing or insecure one stops the app at start, with what to set.</summary>
    public static WebAppOptions Read(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<WebAppOptions>() ?? new WebAppOptions();
        if (options.Gateway is not { IsAbsoluteUri: true } gateway || gateway.Scheme is not ("https" or "http"))
        {
            throw new InvalidOperationException($"{Section}:Gateway must be the gateway's absolute address, as people's browsers reach it.");
        }

        options.Authority ??= gateway;
        foreach (var (name, address) in new[] { ("Gateway", gateway), ("Authority", options.Authority) })
        {
            if (!address.IsAbsoluteUri || address.Scheme is not ("https" or "http"))
            {
                throw new InvalidOperationException($"{Section}:{name} must be an absolute http(s) address.");
            }

            if (address.Scheme == "http" && !options.AllowHttp)
            {
                throw new InvalidOperationException($"{Section}:{name} is plain HTTP; set {Section}:AllowHttp only where it is loopback.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.ClientSecret) || options.ClientSecret.Length < 32)
        {
            throw new InvalidOperationException($"{Section}:ClientSecret must be set, at least 32 characters, the same as the gateway's People:Clients:{options.ClientId}:Secret.");
        }

        if (!options.PathBase.StartsWith('/') || options.PathBase.EndsWith('/'))
        {
            throw new InvalidOperationException($"{Section}:PathBase must start with / and not end with one (\"/app\").");
        }

        foreach (var network in options.TrustedProxies)
        {
            if (!System.Net.IPNetwork.TryParse(network, out _))
            {
                throw new InvalidOperationException($"{Section}:TrustedProxies: '{network}' is not a network in CIDR notation (10.0.0.0/8).");
            }
        }

        return options;
    }

    /// <summary>An address of the app as browsers reach it, e.g. <c>/signin-oidc</c> → <c>https://…/app/signin-oidc</c>.</summary>
    public string Public(string path) => $"{Gateway!.GetLeftPart(UriPartial.Authority)}{PathBase}{path}";
}
