using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.Gateway.RateLimiting;

/// <summary>Requests per minute (configuration section RateLimits); the defaults are the initialisers below.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public int PerPartnerPerMinute { get; set; } = 600;
    public int AnonymousPerMinute { get; set; } = 60;
    public int TokenPerMinute { get; set; } = 30;

    /// <summary>The web app's pages, per address: a whole office behind one address loads them.</summary>
    public int WebAppPerMinute { get; set; } = 1200;
}

/// <summary>
/// Per-partner limits: an authenticated call counts against its organisation (so one partner cannot
/// starve the others), an anonymous one against its client address. Runs after authorization, so
/// the organisation is known, and before the proxy, so a refused call costs the services nothing.
/// </summary>
public static class RateLimits
{
    public const string PartnerPolicy = "partner";
    public const string TokenPolicy = "token";
    public const string WebAppPolicy = "webapp";

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRateLimitOptions();
        builder.Services.AddTrustedProxies();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = WriteRejectionAsync;
        });

        // The policies read the bound, validated limits once, when the limiter's options are built.
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((o, options) =>
        {
            var limits = options.Value;
            o.AddPolicy(PartnerPolicy, http =>
                http.User.FindFirst(NetworkTokens.OrganisationClaim)?.Value is { Length: > 0 } organisation
                    ? PerMinute($"org:{organisation}", limits.PerPartnerPerMinute)
                    : PerMinute($"ip:{ClientAddress(http)}", limits.AnonymousPerMinute));

            // Slows down secret guessing: counted per address whatever client id is tried.
            o.AddPolicy(TokenPolicy, http => PerMinute($"ip:{ClientAddress(http)}", limits.TokenPerMinute));

            // People's browsers: pages, their assets and the live connection. What the app then asks of the
            // partner API counts against the person's organisation like any other call.
            o.AddPolicy(WebAppPolicy, http => PerMinute($"webapp:{ClientAddress(http)}", limits.WebAppPerMinute));
        });
        return builder;
    }

    /// <summary>Binds section "RateLimits"; a limit below one stops the gateway at start, naming the setting.</summary>
    public static IServiceCollection AddRateLimitOptions(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>()
            .BindConfiguration(RateLimitOptions.Section)
            .Validate(o => o.PerPartnerPerMinute > 0, "RateLimits:PerPartnerPerMinute must be at least 1.")
            .Validate(o => o.AnonymousPerMinute > 0, "RateLimits:AnonymousPerMinute must be at least 1.")
            .Validate(o => o.TokenPerMinute > 0, "RateLimits:TokenPerMinute must be at least 1.")
            .Validate(o => o.WebAppPerMinute > 0, "RateLimits:WebAppPerMinute must be at least 1.")
            .ValidateOnStart();
        return services;
    }

    private static RateLimitPartition<string> PerMinute(string key, int permits) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = Window,
            QueueLimit = 0,
        });

    // The direct peer only: X-Forwarded-For is not trusted, since any caller could set it to dodge the limit.
    private static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static async ValueTask WriteRejectionAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);

        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"Rate limit reached; retry after {seconds} s.",
            },
        });
    }
}
