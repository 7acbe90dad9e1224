namespace ReferralNetwork.Web.Inbox;

/// <summary>The inbox's parts, in the order a provider works through them.</summary>
public sealed record InboxSection(string Id, string Title, string Empty, string WhenHeading, Func<OnwardReferral, string> When, IReadOnlyList<OnwardReferral> Items)
{
    /// <summary>The statuses the inbox shows; finished onward referrals are not work to do.</summary>
    public static readonly IReadOnlyList<string> Statuses = ["requested", "received", "accepted", "in-progress"];

    public static IReadOnlyList<InboxSection> Of(IReadOnlyList<OnwardReferral> all, DateTimeOffset now) =>
    [
        new("to-acknowledge", "New: to acknowledge", "No new referrals.", "Acknowledge by",
            r => r.AcknowledgeBy is { } by ? Deadline(by, now) : "",
            [.. all.Where(r => r.ToAcknowledge).OrderBy(r => r.AcknowledgeBy ?? r.ReceivedAt)]),
        new("to-decide", "Acknowledged: to accept or reject", "Nothing waiting for a decision.", "Received",
            r => InboxWords.When(r.ReceivedAt),
            [.. all.Where(r => r.ToDecide).OrderBy(r => r.ReceivedAt)]),
        new("under-way", "Accepted and attending", "Nobody accepted yet.", "Last change",
            r => InboxWords.When(r.UpdatedAt),
            [.. all.Where(r => r.Running).OrderByDescending(r => r.UpdatedAt)]),
    ];

    /// <summary>A deadline said plainly, with how long is left or that it has passed.</summary>
    public static string Deadline(DateTimeOffset by, DateTimeOffset now) => $"{InboxWords.When(by)} ({Left(by, now)})";

    /// <summary>How long is left, in the largest whole unit: "in 3 hours", "in 1 minute", "passed".</summary>
    public static string Left(DateTimeOffset by, DateTimeOffset now)
    {
        var left = by - now;
        return left <= TimeSpan.Zero ? "passed"
            : left < TimeSpan.FromHours(1) ? In(Math.Max(1, (int)left.TotalMinutes), "minute")
            : left < TimeSpan.FromDays(2) ? In((int)left.TotalHours, "hour")
            : In((int)left.TotalDays, "day");
    }

    private static string In(int count, string unit) => $"in {count} {unit}{(count == 1 ? "" : "s")}";
}
