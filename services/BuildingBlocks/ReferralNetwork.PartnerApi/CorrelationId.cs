using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ReferralNetwork.PartnerApi;

/// <summary>
/// Every response carries X-Correlation-Id: the caller's own when it sent a sane one, otherwise a new one.
/// The gateway sets it on the proxied request, so one id follows a call through every service.
/// </summary>
public sealed class CorrelationId(RequestDelegate next, ILogger<CorrelationId> logger)
{
    public const string HeaderName = "X-Correlation-Id";
    public const string ItemKey = "correlation-id";

    public async Task InvokeAsync(HttpContext context)
    {
        var id = context.Request.Headers[HeaderName].ToString();
        if (!IsAcceptable(id))
        {
            id = Guid.NewGuid().ToString("N");
            context.Request.Headers[HeaderName] = id;
        }

        context.Items[ItemKey] = id;
        Activity.Current?.SetTag("correlation.id", id);
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = id;
            return Task.CompletedTask;
        });

        using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = id }))
        {
            await next(context);
        }
    }

    // A partner's id is echoed back, so keep it short and printable (no header injection, no log noise).
    private static bool IsAcceptable(string id) =>
        id.Length is > 0 and <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}
