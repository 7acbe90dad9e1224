namespace ReferralNetwork.Contracts;

// Enum values travel as kebab-case strings on the partner API ("gp-practice", "in-progress").

public enum OrganisationKind
{
    GpPractice,
    SocialCare,
    SecondaryCare,
    CommunityProvider,
    LinkWorkerService,
    Commissioner,
    OtherReferrer,
    /// <summary>The network's own operator; never registered, only the operator client has it.</summary>
    Operator,
}

public enum Pathway
{
    Gp,
    SocialCare,
    SecondaryCare,
    Community,
    SelfReferral,
    Other,
}

public enum Urgency
{
    Routine,
    Priority,
}

public enum ReferralStatus
{
    Requested,
    Accepted,
    Rejected,
    InProgress,
    OnHold,
    Completed,
    Failed,
    Cancelled,
    EnteredInError,
}

public enum OnwardReferralStatus
{
    Requested,
    Received,
    Accepted,
    Rejected,
    InProgress,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>The needs vocabulary of domain.md: referral needs and directory categories.</summary>
public static class Needs
{
    public static readonly IReadOnlyList<string> All =
    [
        "loneliness", "mental-wellbeing", "physical-activity", "healthy-eating", "debt-and-money",
        "housing", "employment-and-skills", "carer-support", "bereavement", "long-term-condition",
        "substance-use", "digital-inclusion", "arts-and-culture", "nature-and-green-space", "other",
    ];

    private static readonly HashSet<string> Known = new(All, StringComparer.Ordinal);

    public static bool IsKnown(string need) => Known.Contains(need);
}

public static class Pathways
{
    /// <summary>The referral pathway follows from the kind of organisation that referred.</summary>
    public static Pathway? ForReferrer(OrganisationKind kind) => kind switch
    {
        OrganisationKind.GpPractice => Pathway.Gp,
        OrganisationKind.SocialCare => Pathway.SocialCare,
        OrganisationKind.SecondaryCare => Pathway.SecondaryCare,
        OrganisationKind.CommunityProvider => Pathway.Community,
        OrganisationKind.OtherReferrer => Pathway.Other,
        _ => null,
    };
}

/// <summary>Who did something: an organisation and its kind.</summary>
public sealed record Actor(Guid OrganisationId, OrganisationKind Kind);

/// <summary>The person being referred. Personal data: never log it, never put it in traces.</summary>
public sealed record PersonDetails(
    string GivenName,
    string FamilyName,
    DateOnly DateOfBirth,
    string? NhsNumber,
    string? Postcode,
    string? Phone,
    string? Email,
    string? PreferredContact,
    string? Language,
    string? AccessibilityNeeds);

public static class WireNames
{
    /// <summary>The kebab-case name an enum value has on the wire ("in-progress").</summary>
    public static string ToWire(this Enum value) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    /// <summary>The enum value with this wire name; query strings carry the same names as JSON bodies.</summary>
    public static bool TryParse<TEnum>(string? wire, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (candidate.ToWire() == wire)
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}
