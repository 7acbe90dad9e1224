namespace ReferralNetwork.Web.Directory;

/// <summary>One of the provider's services as the directory lists it (partner API §5).</summary>
public sealed record CommunityServiceListing(
    Guid Id, Guid ProviderId, string Name, string? Description, IReadOnlyList<string> Categories, string Area, string? Schedule,
    ServiceCapacity Capacity, string Waitlist, string Status, DateTimeOffset ConfirmedAt, DateTimeOffset UpdatedAt, long Version);

public sealed record ServiceCapacity(int Maximum, int Available);

public static class DirectoryWords
{
    public static readonly IReadOnlyList<(string Code, string Text)> Waitlists =
    [
        ("none", "No wait"),
        ("under-1-month", "Under a month"),
        ("1-3-months", "One to three months"),
        ("over-3-months", "Over three months"),
    ];

    public static string Waitlist(string code) => Waitlists.FirstOrDefault(w => w.Code == code).Text ?? code;

    public static string Status(string code) => code switch
    {
        "active" => "Taking referrals",
        "temporarily-closed" => "Temporarily closed",
        "closed" => "Closed",
        _ => code,
    };
}
