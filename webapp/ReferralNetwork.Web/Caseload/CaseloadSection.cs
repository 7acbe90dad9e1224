using ReferralNetwork.Web.Inbox;

namespace ReferralNetwork.Web.Caseload;

/// <summary>The caseload's parts: the new cases waiting to be taken on, then the cases link workers hold.</summary>
public sealed record CaseloadSection(string Id, string Title, string Empty, IReadOnlyList<Case> Items)
{
    /// <summary>The statuses the caseload shows; finished cases are not work to do.</summary>
    public static readonly IReadOnlyList<string> Statuses = ["requested", "accepted", "in-progress", "on-hold"];

    public bool Waiting => Id == "waiting";

    public static IReadOnlyList<CaseloadSection> Of(IReadOnlyList<Case> all) =>
    [
        // The case to take next at the top: priority before routine, then the longest waiting.
        new("waiting", "New: waiting to be accepted", "No new cases.",
            [.. all.Where(c => c.Waiting).OrderBy(c => c.Urgency == "priority" ? 0 : 1).ThenBy(c => c.OpenedAt).ThenBy(c => c.Id)]),
        new("active", "Active caseload", "Nobody on the caseload yet.",
            [.. all.Where(c => c.Active).OrderBy(c => c.LinkWorkerName, StringComparer.OrdinalIgnoreCase).ThenByDescending(c => c.UpdatedAt)]),
    ];

    /// <summary>How the live status line says what changed since the last look: new cases that arrived.</summary>
    public static string LiveStatus(int arrived, DateTimeOffset now)
    {
        var at = InboxWords.UkTime(now).ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        return arrived > 0
            ? $"{arrived} new case{(arrived == 1 ? "" : "s")} arrived. Up to date at {at}."
            : $"Up to date at {at}. New cases appear here by themselves.";
    }
}
