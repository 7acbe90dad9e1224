using System.Text.Json;
using Marten;
using ReferralNetwork.Contracts;
using ReferralNetwork.Gateway.Organisations;
using ReferralNetwork.PartnerApi;
using Yarp.ReverseProxy.Model;

namespace ReferralNetwork.Gateway.Proxy;

/// <summary>
/// On public routes that name an area (self-referrals, suggestions), refuses an area no active
/// link-worker service serves, before the body is forwarded. The gateway keeps the registry of
/// organisations and their areas, so it is the one part that knows every area the network serves.
/// Routes opt in with the metadata <c>"AreaMustBeServed": "true"</c>.
/// </summary>
public sealed class ServedAreaCheck(RequestDelegate next)
{
    public const string Metadata = "AreaMustBeServed";

    public async Task InvokeAsync(HttpContext context, IQuerySession registry)
    {
        var route = context.GetReverseProxyFeature().Route.Config;
        if (route.Metadata?.GetValueOrDefault(Metadata) != "true" || await AreaOfAsync(context.Request) is not { } area)
        {
            await next(context);
            return;
        }

        var served = await registry.Query<Organisation>()
            .AnyAsync(o => o.Area == area && o.Kind == OrganisationKind.LinkWorkerService && !o.Suspended, context.RequestAborted);
        if (!served)
        {
            await Problems.Invalid("area", "No link-worker service of the network serves this area.").ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    /// <summary>The body's <c>area</c> when it is a non-empty string; anything else is the service's to refuse.</summary>
    private static async Task<string?> AreaOfAsync(HttpRequest request)
    {
        request.EnableBuffering();
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("area", out var area)
                && area.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(area.GetString())
                ? area.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }
}
