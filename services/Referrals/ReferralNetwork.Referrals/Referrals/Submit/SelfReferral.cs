using FluentValidation;
using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals.Submit;

/// <summary>The body of POST /api/self-referrals: a referral as a partner would send it, plus the person's area.</summary>
public sealed record SubmitSelfReferralRequest(
    PersonRequest? Person,
    IReadOnlyList<string>? Needs,
    string? Reason,
    Urgency? Urgency,
    ConsentRequest? Consent,
    string? Area) : IReferralBody;

public sealed record SelfReferralReceived(Guid Id);

/// <summary>The same checks as a partner's referral, and an area code to route it by.</summary>
public sealed class SubmitSelfReferralRequestValidator : AbstractValidator<SubmitSelfReferralRequest>
{
    public const int AreaMaxLength = 64;

    /// <summary>There is no referring organisation: the referral shows this name and no organisation id.</summary>
    public const string ReferrerName = "Self-referral";

    public SubmitSelfReferralRequestValidator(TimeProvider clock)
    {
        Include(new ReferralBodyValidator(clock));
        RuleFor(r => r.Area).Must(a => !string.IsNullOrEmpty(a)).WithMessage("Required: the area code the person lives in, e.g. liverpool-north.")
            .Must(a => IsAreaCode(a!)).WithMessage($"Lowercase letters, digits and hyphens, at most {AreaMaxLength} characters.");
    }

    public static bool IsAreaCode(string area) =>
        area.Length is > 0 and <= AreaMaxLength && area.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}
