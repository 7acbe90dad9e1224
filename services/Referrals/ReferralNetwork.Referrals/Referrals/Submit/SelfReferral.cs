using ReferralNetwork.Contracts;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.Referrals.Referrals.Submit;

/// <summary>The body of POST /api/self-referrals: a referral as a partner would send it, plus the person's area.</summary>
public sealed record SubmitSelfReferralRequest(
    PersonRequest? Person,
    IReadOnlyList<string>? Needs,
    string? Reason,
    Urgency? Urgency,
    ConsentRequest? Consent,
    string? Area);

public sealed record SelfReferralReceived(Guid Id);

public static class SelfReferralValidation
{
    public const int AreaMaxLength = 64;

    /// <summary>There is no referring organisation: the referral shows this name and no organisation id.</summary>
    public const string ReferrerName = "Self-referral";

    /// <summary>The same checks as a partner's referral, and an area code to route it by; pure.</summary>
    public static (ValidReferral? Referral, string? Area, ValidationErrors Errors) Validate(SubmitSelfReferralRequest request, DateOnly today, DateTimeOffset now)
    {
        var (valid, errors) = ReferralValidation.Validate(
            new SubmitReferralRequest(request.Person, request.Needs, request.Reason, request.Urgency, request.Consent), today, now);
        if (string.IsNullOrEmpty(request.Area))
        {
            errors.Add("area", "Required: the area code the person lives in, e.g. liverpool-north.");
        }
        else if (!IsAreaCode(request.Area))
        {
            errors.Add("area", $"Lowercase letters, digits and hyphens, at most {AreaMaxLength} characters.");
        }

        return errors.Any ? (null, null, errors) : (valid, request.Area, errors);
    }

    public static bool IsAreaCode(string area) =>
        area.Length is > 0 and <= AreaMaxLength && area.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}
