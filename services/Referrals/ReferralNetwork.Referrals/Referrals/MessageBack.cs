using System.Text.Json.Serialization;
using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals;

/// <summary>A SNOMED CT concept carried in the message back.</summary>
public sealed record ClinicalCode(string System, string Code, string Display)
{
    public const string SnomedCt = "http://snomed.info/sct";

    public static readonly ClinicalCode ReferralToSocialPrescribing = new(SnomedCt, "871731000000106", "Referral to social prescribing service");

    public static readonly ClinicalCode SocialPrescribingDeclined = new(SnomedCt, "871711000000103", "Social prescribing declined");
}

/// <summary>One onward referral as the message back reports it: the service and how it went.</summary>
public sealed record SupportOffered(string ServiceName, Party Provider, OnwardReferralStatus Status, string? StatusReason);

/// <summary>
/// The message back to the referrer and GP when the referral closes (PRSB Social Prescribing
/// Information Standard). With codes-only consent everything but the codes is null and left out of the JSON.
/// </summary>
public sealed record MessageBack(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Needs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<SupportOffered>? SupportOffered,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Outcome,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Summary,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<RecordedMeasure>? Measures,
    IReadOnlyList<ClinicalCode> Codes)
{
    public const string DeclinedOutcome = "declined";

    /// <summary>What the referrer is told when the referral closes with <paramref name="outcome"/>; pure.</summary>
    public static MessageBack Compose(Referral referral, string outcome, string summary)
    {
        List<ClinicalCode> codes = [];
        // Reaching the person is when they take up the referral to the link worker.
        if (referral.PersonReached)
        {
            codes.Add(ClinicalCode.ReferralToSocialPrescribing);
        }

        if (outcome == DeclinedOutcome)
        {
            codes.Add(ClinicalCode.SocialPrescribingDeclined);
        }

        if (referral.Consent.ShareWithReferrer == ShareWithReferrer.CodesOnly)
        {
            return new MessageBack(null, null, null, null, null, codes);
        }

        return new MessageBack(
            referral.Needs,
            referral.OnwardReferrals.Select(o => new SupportOffered(o.ServiceName, o.Provider, o.Status, o.StatusReason)).ToList(),
            outcome,
            summary,
            referral.Measures,
            codes);
    }
}
