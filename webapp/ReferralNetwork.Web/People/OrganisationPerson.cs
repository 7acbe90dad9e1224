namespace ReferralNetwork.Web.People;

/// <summary>A person of the organisation as the gateway's people API lists them (partner API §2).</summary>
public sealed record OrganisationPerson(
    Guid Id, string Name, string Email, string Role, string Status, DateTimeOffset InvitedAt, DateTimeOffset? InvitationExpiresAt,
    DateTimeOffset? AcceptedAt, DateTimeOffset? AccessEndedAt);

/// <summary>Someone just invited, with the code that is shown this once.</summary>
public sealed record InvitedPerson(Guid Id, string Name, string Email, string Role, string InvitationCode, DateTimeOffset InvitationExpiresAt);

public static class PeopleWords
{
    public static string Status(string status) => status switch
    {
        "invited" => "Invited",
        "active" => "Active",
        "ended" => "Access ended",
        _ => status,
    };

    public static string Role(string role) => role == "administrator" ? "Administrator" : "Member";

    /// <summary>A quick look before sending: the gateway checks the address properly and says so next to the field.</summary>
    public static bool LooksLikeEmail(string email) =>
        email.IndexOf('@') is var at && at > 0 && at < email.Length - 1 && !email.Any(char.IsWhiteSpace);
}
