using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ReferralNetwork.ServiceDefaults.Http;

/// <summary>Names each check and its state; descriptions only, never data or exception details.</summary>
public static class HealthReportWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new
                {
                    status = e.Value.Status.ToString().ToLowerInvariant(),
                    // An exception's message can name hosts and ports: report only that the check failed.
                    description = e.Value.Exception is null ? e.Value.Description : "check failed",
                }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
