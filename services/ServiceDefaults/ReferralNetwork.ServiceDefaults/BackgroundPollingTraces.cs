using System.Diagnostics;
using OpenTelemetry;

namespace ReferralNetwork.ServiceDefaults;

/// <summary>
/// Leaves out traces that are nothing but background polling: database work with no request,
/// message or relay above it (the async daemon's high-water mark, workers checking for due
/// deadlines or webhook retries). Each service starts several a second, and they would bury the
/// journeys an operator is looking for. Database work inside a request or a consumer is kept.
/// </summary>
internal sealed class BackgroundPollingTraces : BaseProcessor<Activity>
{
    private static readonly HashSet<string> DatabaseSources = new(StringComparer.Ordinal) { "Npgsql", "Marten" };

    public override void OnStart(Activity data)
    {
        if (data.Parent is null && data.ParentSpanId == default && DatabaseSources.Contains(data.Source.Name))
        {
            // Not recorded: exporters skip it, and spans started beneath it are not sampled either.
            data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            data.IsAllDataRequested = false;
        }
    }
}
