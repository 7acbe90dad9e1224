using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ReferralNetwork.ServiceDefaults;

/// <summary>
/// Names each check with its state, description and data (lag numbers, queue states), so an operator
/// reads what is wrong without logs. Checks put only safe values in data: no hosts, no personal data.
/// </summary>
public static class HealthReportWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = Name(report.Status),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new
                {
                    status = Name(e.Value.Status),
                    // An exception's message can name hosts and ports: report only that the check failed.
                    description = e.Value.Exception is null ? e.Value.Description : "check failed",
                    data = e.Value.Data,
                }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }

    public static string Name(HealthStatus status) => status.ToString().ToLowerInvariant();
}
