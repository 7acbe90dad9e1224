using FluentValidation;
using ReferralNetwork.Contracts;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.Referrals.Referrals.Submit;

// The body of POST /api/referrals. Everything is nullable so a missing field is a 422 naming it,
// not a binding failure; enum values that are not allowed fail binding (400) as the contract says.

public sealed record PersonRequest(
    string? GivenName,
    string? FamilyName,
    DateOnly? DateOfBirth,
    string? NhsNumber,
    string? Postcode,
    string? Phone,
    string? Email,
    string? PreferredContact,
    string? Language,
    string? AccessibilityNeeds);

public sealed record ConsentRequest(bool? Given, DateTimeOffset? RecordedAt, ShareWithReferrer? ShareWithReferrer);

/// <summary>What a partner's referral and a self-referral share: who, what for, how urgent, with what consent.</summary>
public interface IReferralBody
{
    PersonRequest? Person { get; }

    IReadOnlyList<string>? Needs { get; }

    string? Reason { get; }

    Urgency? Urgency { get; }

    ConsentRequest? Consent { get; }
}

public sealed record SubmitReferralRequest(
    PersonRequest? Person,
    IReadOnlyList<string>? Needs,
    string? Reason,
    Urgency? Urgency,
    ConsentRequest? Consent) : IReferralBody;

/// <summary>A request that passed validation, normalised.</summary>
public sealed record ValidReferral(PersonDetails Person, IReadOnlyList<string> Needs, string? Reason, Urgency Urgency, Consent Consent)
{
    public const int NameMaxLength = 100;
    public const int ReasonMaxLength = 4000;

    /// <summary>Trimmed, deduplicated and defaulted; only for a body its validator has passed.</summary>
    public static ValidReferral From(IReferralBody request)
    {
        var person = request.Person!;
        var consent = request.Consent!;
        return new ValidReferral(
            new PersonDetails(
                person.GivenName!.Trim(), person.FamilyName!.Trim(), person.DateOfBirth!.Value,
                string.IsNullOrWhiteSpace(person.NhsNumber) ? null : NhsNumber.Normalise(person.NhsNumber),
                Blank(person.Postcode)?.ToUpperInvariant(), Blank(person.Phone), Blank(person.Email), Blank(person.PreferredContact),
                Blank(person.Language), Blank(person.AccessibilityNeeds)),
            request.Needs!.Distinct(StringComparer.Ordinal).ToList(),
            Blank(request.Reason),
            request.Urgency ?? Urgency.Routine,
            new Consent(true, consent.RecordedAt!.Value, consent.ShareWithReferrer!.Value));
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>A referral's body against partner-api.md §3 (shared by partners' referrals and self-referrals).</summary>
public sealed class ReferralBodyValidator : AbstractValidator<IReferralBody>
{
    /// <summary>Each need at most once, so never more than the vocabulary holds.</summary>
    public static readonly int MaxNeeds = Needs.All.Count;

    public ReferralBodyValidator(TimeProvider clock)
    {
        RuleFor(r => r.Person).Required().SetValidator(new PersonRequestValidator(clock)!);
        RuleFor(r => r.Needs).Must(n => n is { Count: > 0 }).WithMessage("At least one need is required.")
            .Must(n => n!.Count <= MaxNeeds).WithMessage($"At most {MaxNeeds} needs: the vocabulary has no more.");
        // Every unknown need is named, not only the first (the default stops a rule at its first failure);
        // a list longer than the vocabulary is refused whole above rather than item by item.
        RuleForEach(r => r.Needs).Cascade(CascadeMode.Continue).Must(Needs.IsKnown)
            .WithMessage((_, need) => $"'{Truncate(need)}' is not in the needs vocabulary: {string.Join(", ", Needs.All)}.")
            .When(r => r.Needs is not null && r.Needs.Count <= MaxNeeds);
        RuleFor(r => r.Reason).MaxText(ValidReferral.ReasonMaxLength);
        RuleFor(r => r.Consent).NotNull().WithMessage("Required: the person's consent to the referral.").SetValidator(new ConsentRequestValidator(clock)!);
    }

    private static string Truncate(string? value) => value is null ? "" : value.Length <= 40 ? value : value[..40] + "…";
}

public sealed class PersonRequestValidator : AbstractValidator<PersonRequest>
{
    public PersonRequestValidator(TimeProvider clock)
    {
        RuleFor(p => p.GivenName).RequiredText(ValidReferral.NameMaxLength);
        RuleFor(p => p.FamilyName).RequiredText(ValidReferral.NameMaxLength);
        RuleFor(p => p.DateOfBirth).Required()
            .Must(dob => dob <= DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)).WithMessage("Must not be in the future.")
            .Must(dob => dob!.Value.Year >= 1900).WithMessage("Must be after 1900.");
        RuleFor(p => p.NhsNumber).Must(n => string.IsNullOrWhiteSpace(n) || NhsNumber.IsValid(n))
            .WithMessage("Must be ten digits with a valid modulus-11 check digit.");
        RuleFor(p => p.Postcode).MaxText(10);
        RuleFor(p => p.Phone).MaxText(30);
        RuleFor(p => p.Email).MaxText(254).Must(e => string.IsNullOrWhiteSpace(e) || e.Contains('@')).WithMessage("Must be an email address.");
        RuleFor(p => p.PreferredContact).MaxText(20);
        RuleFor(p => p.Language).MaxText(35);
        RuleFor(p => p.AccessibilityNeeds).MaxText(1000);
    }
}

public sealed class ConsentRequestValidator : AbstractValidator<ConsentRequest>
{
    public ConsentRequestValidator(TimeProvider clock)
    {
        RuleFor(c => c.Given).Must(g => g == true).WithMessage("The person must have given consent to be referred.");
        // A few minutes' grace for the clocks of the partner's system.
        RuleFor(c => c.RecordedAt).Required().Must(at => at <= clock.GetUtcNow().AddMinutes(5)).WithMessage("Must not be in the future.");
        RuleFor(c => c.ShareWithReferrer).NotNull().WithMessage("Required: full or codes-only.");
    }
}

public sealed class SubmitReferralRequestValidator : AbstractValidator<SubmitReferralRequest>
{
    public SubmitReferralRequestValidator(TimeProvider clock) => Include(new ReferralBodyValidator(clock));
}
