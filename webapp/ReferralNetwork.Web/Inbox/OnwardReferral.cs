namespace ReferralNetwork.Web.Inbox;

/// <summary>An onward referral in the provider's inbox, as the partner API gives it (§5).</summary>
public sealed record OnwardReferral(
    Guid Id,
    Guid ReferralId,
    Guid ServiceId,
    string ServiceName,
    string Status,
    string? StatusReason,
    string? StatusNote,
    IReadOnlyList<string> Needs,
    string? Note,
    OnwardReferralPerson Person,
    IReadOnlyList<Attendance> Attendances,
    string? Summary,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? EscalatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? AcknowledgeBy,
    long Version)
{
    public bool ToAcknowledge => Status == "requested";

    public bool ToDecide => Status == "received";

    public bool Running => Status is "accepted" or "in-progress";

    public bool Finished => Status is "rejected" or "completed" or "failed" or "cancelled";
}

public sealed record OnwardReferralPerson(
    string GivenName, string FamilyName, string? Phone, string? Email, string? PreferredContact, string? Language, string? AccessibilityNeeds)
{
    public string FullName => $"{GivenName} {FamilyName}";
}

public sealed record Attendance(DateOnly Date, bool Attended, DateTimeOffset RecordedAt);

/// <summary>The words people read for the inbox's codes.</summary>
public static class InboxWords
{
    public static string Status(string status) => status switch
    {
        "requested" => "New",
        "received" => "Acknowledged",
        "accepted" => "Accepted",
        "rejected" => "Rejected",
        "in-progress" => "Attending",
        "completed" => "Completed",
        "failed" => "Did not go ahead",
        "cancelled" => "Cancelled",
        _ => status,
    };

    /// <summary>The NHS.UK tag colour that goes with a status.</summary>
    public static string Tag(string status) => status switch
    {
        "requested" => "nhsuk-tag--blue",
        "received" => "nhsuk-tag--aqua-green",
        "accepted" or "in-progress" => "nhsuk-tag--green",
        "completed" => "nhsuk-tag--grey",
        "rejected" or "failed" or "cancelled" => "nhsuk-tag--red",
        _ => "nhsuk-tag--white",
    };

    public static string Need(string code) => code.Replace('-', ' ') switch
    {
        var words => char.ToUpperInvariant(words[0]) + words[1..],
    };

    public static readonly IReadOnlyList<(string Code, string Text)> RejectionReasons =
    [
        ("at-capacity", "We have no places"),
        ("not-eligible", "The person is not eligible"),
        ("out-of-area", "The person lives outside our area"),
        ("other", "Another reason"),
    ];

    /// <summary>A time as people here read it: UK time, "14:05 on 5 December 2026".</summary>
    public static string When(DateTimeOffset at) => UkTime(at).ToString("HH:mm 'on' d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture);

    public static string Day(DateOnly day) => day.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture);

    public static DateTimeOffset UkTime(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, UkZone);

    private static readonly TimeZoneInfo UkZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
}
