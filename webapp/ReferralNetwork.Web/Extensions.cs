using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Web.Components;
using ReferralNetwork.Web.Network;
using ReferralNetwork.Web.SignIn;

namespace ReferralNetwork.Web;

public static class Extensions
{
    public static WebApplicationBuilder AddWebApp(this WebApplicationBuilder builder)
    {
        // The AppHost runs the app from its build output, where the static assets (the framework's script, the
        // styles) are found through the build's manifest, which ASP.NET Core reads only in Development unless
        // asked. Published output has no such manifest, and this does nothing there.
        builder.WebHost.UseStaticWebAssets();
        var options = WebAppOptions.Read(builder.Configuration);
        builder.Services.AddSingleton(options);

        // Sessions live in this process's memory (PersonSessions), so its keys may too: a restart ends both.
        builder.Services.AddDataProtection().SetApplicationName("referral-network-web").UseEphemeralDataProtectionProvider();
        builder.Services.AddAntiforgery(o => PeopleSignIn.Harden(o.Cookie, options, PeopleSignIn.AntiforgeryCookieName));
        // The gateway in front says whether the browser's request was HTTPS (X-Forwarded-Proto); only the gateway is believed.
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedFor;
            o.ForwardLimit = 1;
            foreach (var network in options.TrustedProxies)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        builder.AddPeopleSignIn(options);

        builder.Services.AddHttpClient<NetworkApi>(http =>
        {
            http.BaseAddress = new Uri(options.Gateway!.GetLeftPart(UriPartial.Authority) + "/");
            http.Timeout = TimeSpan.FromSeconds(15);
        });

        builder.Services.AddRazorComponents().AddInteractiveServerComponents(o => o.DetailedErrors = false);
        return builder;
    }

    public static WebApplication UseWebApp(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<WebAppOptions>();
        app.UseForwardedHeaders();
        // The gateway forwards /app/... as it is; the app's own addresses are under it.
        app.UsePathBase(options.PathBase);
        // Routing after the path base is taken off (left implicit, it would run first and see /app/...).
        app.UseRouting();
        app.Use(PageHeaders.ApplyAsync);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapWebApp(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<WebAppOptions>();
        app.MapStaticAssets();
        app.MapPeopleSignIn(options);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        // An address nothing answers: the app's shell with a 404, whose router then shows the page not found
        // (not a page route of its own, which would keep the router from leaving for the sign-in endpoints).
        app.MapFallback(() => new RazorComponentResult<App> { StatusCode = StatusCodes.Status404NotFound }).AllowAnonymous();
        return app;
    }
}

/// <summary>
/// What every page of the app may load and where it may be shown: only from the app itself, no inline script,
/// never in a frame, no address sent on to anyone (it can name a referral).
/// </summary>
internal static class PageHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

    public static Task ApplyAsync(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // Pages carry people's details: no copy in any cache.
        if (!context.Request.Path.StartsWithSegments("/_framework") && !context.Request.Path.StartsWithSegments("/css")
            && !context.Request.Path.StartsWithSegments("/assets"))
        {
            headers.CacheControl = "no-store";
        }

        return next(context);
    }
}
