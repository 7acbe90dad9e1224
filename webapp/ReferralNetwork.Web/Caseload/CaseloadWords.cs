using ReferralNetwork.Web.Inbox;

namespace ReferralNetwork.Web.Caseload;

/// <summary>The words people read for the caseload's codes: statuses, reasons, outcomes, the timeline's steps.</summary>
public static class CaseloadWords
{
    public static string Status(string status) => status switch
    {
        "requested" => "New",
        "accepted" => "Accepted",
        "rejected" => "Rejected",
        "in-progress" => "In touch",
        "on-hold" => "On hold",
        "completed" => "Closed",
        "failed" => "Closed: not engaged",
        "cancelled" => "Cancelled by the referrer",
        "entered-in-error" => "Entered in error",
        _ => status,
    };

    /// <summary>The NHS.UK tag colour that goes with a case's status.</summary>
    public static string Tag(string status) => status switch
    {
        "requested" => "nhsuk-tag--blue",
        "accepted" or "in-progress" => "nhsuk-tag--green",
        "on-hold" => "nhsuk-tag--yellow",
        "completed" => "nhsuk-tag--grey",
        "rejected" or "failed" or "cancelled" or "entered-in-error" => "nhsuk-tag--red",
        _ => "nhsuk-tag--white",
    };

    public static string Urgency(string urgency) => urgency switch
    {
        "priority" => "Priority",
        "routine" => "Routine",
        _ => urgency,
    };

    public static string Pathway(string pathway) => pathway switch
    {
        "gp" => "GP practice",
        "social-care" => "Social care",
        "secondary-care" => "Hospital",
        "community" => "Community provider",
        "self-referral" => "Self-referral",
        "other" => "Another referrer",
        _ => pathway,
    };

    public static readonly IReadOnlyList<(string Code, string Text)> ContactOutcomes =
    [
        ("reached", "Spoke with them"),
        ("no-answer", "No answer"),
        ("left-message", "Left a message"),
    ];

    public static readonly IReadOnlyList<(string Code, string Text)> RejectionReasons =
    [
        ("not-eligible", "The person is not eligible"),
        ("out-of-area", "The person lives outside our area"),
        ("duplicate", "We already have this referral"),
        ("other", "Another reason"),
    ];

    public static readonly IReadOnlyList<(string Code, string Text)> Outcomes =
    [
        ("goals-met", "Their goals were met"),
        ("partially-met", "Some of their goals were met"),
        ("disengaged", "They stopped taking part"),
        ("declined", "They did not want support"),
        ("moved-away", "They moved away"),
        ("referred-back", "Referred back to the referrer"),
        ("other", "Another reason"),
    ];

    /// <summary>What can stand between a person and taking part (the assessment's barriers).</summary>
    public static readonly IReadOnlyList<(string Code, string Text)> Barriers =
    [
        ("mobility", "Getting about (mobility)"),
        ("cost", "Cost"),
        ("transport", "Transport"),
        ("confidence", "Confidence"),
        ("language", "Language"),
        ("digital", "Using the internet or devices"),
        ("other", "Something else"),
    ];

    public static string ContactOutcome(string code) => TextOf(ContactOutcomes, code);

    public static string RejectionReason(string code) => TextOf(RejectionReasons, code);

    public static string Outcome(string code) => TextOf(Outcomes, code);

    public static string Barrier(string code) => TextOf(Barriers, code);

    /// <summary>An onward referral's status, as the provider's inbox says it.</summary>
    public static string OnwardStatus(string status) => status switch
    {
        "requested" => "Sent, not yet acknowledged",
        _ => InboxWords.Status(status),
    };

    /// <summary>Places as a link worker reads them: "4 of 12 places free", or none now and how long the wait is.</summary>
    public static string Places(MatchCapacity capacity) => capacity.Available > 0
        ? $"{capacity.Available} of {capacity.Maximum} places free"
        : $"No places free now ({Waitlist(capacity.Waitlist)})";

    public static string Waitlist(string waitlist) => waitlist switch
    {
        "none" => "no waiting list",
        "under-1-month" => "waiting time under a month",
        "1-3-months" => "waiting time 1 to 3 months",
        "over-3-months" => "waiting time over 3 months",
        _ => waitlist,
    };

    /// <summary>
    /// A step of the case's timeline in words. The step's summary is the service's own English where it names
    /// something (a link worker, a service); a code at its end ("Contact: no-answer") is said in words.
    /// </summary>
    public static string Step(string type, string summary) => type switch
    {
        "case.opened" => "Referral received",
        "case.accepted" => summary,
        "case.contact-recorded" => $"Contact recorded: {ContactOutcome(CodeAtEnd(summary)).ToLowerInvariant()}",
        "case.assessment-recorded" => "What matters to them recorded",
        "case.onward-referral-made" => summary,
        "case.rejected" => $"Turned down: {RejectionReason(CodeAtEnd(summary)).ToLowerInvariant()}",
        "case.on-hold" => "Put on hold",
        "case.resumed" => "Taken off hold",
        "case.closed" => $"Closed: {Outcome(summary.Split(", ")[^1].Trim()).ToLowerInvariant()}",
        "case.cancelled" => "Cancelled by the referrer",
        "case.onward-referral-withdrawn" => "Onward referral withdrawn",
        "case.onward-referral-arrived" => summary,
        "case.onward-referral-progressed" => summary.LastIndexOf(": ", StringComparison.Ordinal) is var at and > 0
            ? $"{summary[..at]}: {OnwardStatus(CodeAtEnd(summary)).ToLowerInvariant()}"
            : summary,
        "case.onward-referral-escalated" => summary,
        _ => summary,
    };

    /// <summary>
    /// Who took a step: the person signed in when it was them; a colleague by name when the service's people are
    /// known (an administrator may list them), else "a person of …" (the timeline gives no names); the
    /// organisation's system when no person did.
    /// </summary>
    public static string StepBy(TimelineActor by, Guid me, string myName, IReadOnlyDictionary<Guid, string>? colleagues = null) => by.PersonId switch
    {
        { } person when person == me => $"by you ({myName})",
        { } person when by.Role == "link-worker-service" && colleagues is not null && colleagues.TryGetValue(person, out var name) => $"by {name}",
        not null => $"by a person of {Role(by.Role)}",
        null => $"by {Role(by.Role)}'s system",
    };

    public static string Role(string role) => role switch
    {
        "link-worker-service" => "this link-worker service",
        "provider" => "the provider",
        "referrer" => "the referrer",
        _ => role,
    };

    /// <summary>A waiting time in the largest whole unit: "2 days", "5 hours", "under an hour".</summary>
    public static string Waited(DateTimeOffset since, DateTimeOffset now)
    {
        var waited = now - since;
        return waited < TimeSpan.FromHours(1) ? "under an hour"
            : waited < TimeSpan.FromDays(2) ? Count((int)waited.TotalHours, "hour")
            : Count((int)waited.TotalDays, "day");
    }

    private static string Count(int count, string unit) => $"{count} {unit}{(count == 1 ? "" : "s")}";

    private static string CodeAtEnd(string summary) =>
        summary.LastIndexOf(": ", StringComparison.Ordinal) is var at and >= 0 ? summary[(at + 2)..].Trim() : summary;

    private static string TextOf(IReadOnlyList<(string Code, string Text)> words, string code) =>
        words.FirstOrDefault(w => w.Code == code).Text ?? code;
}
