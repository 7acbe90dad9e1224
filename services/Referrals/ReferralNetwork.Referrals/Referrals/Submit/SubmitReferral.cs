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

public sealed record SubmitReferralRequest(
    PersonRequest? Person,
    IReadOnlyList<string>? Needs,
    string? Reason,
    Urgency? Urgency,
    ConsentRequest? Consent);

/// <summary>A request that passed validation, normalised.</summary>
public sealed record ValidReferral(PersonDetails Person, IReadOnlyList<string> Needs, string? Reason, Urgency Urgency, Consent Consent);

public static class ReferralValidation
{
    public const int NameMaxLength = 100;
    public const int ReasonMaxLength = 4000;

    /// <summary>Checks a submission against partner-api.md §3; pure, so <paramref name="today"/> and <paramref name="now"/> come in.</summary>
    public static (ValidReferral? Referral, ValidationErrors Errors) Validate(SubmitReferralRequest request, DateOnly today, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        var person = request.Person;
        if (person is null)
        {
            errors.Add("person", "Required.");
        }
        else
        {
            errors.Required("person.givenName", person.GivenName, NameMaxLength);
            errors.Required("person.familyName", person.FamilyName, NameMaxLength);
            if (person.DateOfBirth is not { } dob)
            {
                errors.Add("person.dateOfBirth", "Required.");
            }
            else if (dob > today)
            {
                errors.Add("person.dateOfBirth", "Must not be in the future.");
            }
            else if (dob.Year < 1900)
            {
                errors.Add("person.dateOfBirth", "Must be after 1900.");
            }

            if (!string.IsNullOrWhiteSpace(person.NhsNumber) && !NhsNumber.IsValid(person.NhsNumber))
            {
                errors.Add("person.nhsNumber", "Must be ten digits with a valid modulus-11 check digit.");
            }

            errors.MaxLength("person.postcode", person.Postcode, 10);
            errors.MaxLength("person.phone", person.Phone, 30);
            errors.MaxLength("person.email", person.Email, 254);
            if (!string.IsNullOrWhiteSpace(person.Email) && !person.Email.Contains('@'))
            {
                errors.Add("person.email", "Must be an email address.");
            }

            errors.MaxLength("person.preferredContact", person.PreferredContact, 20);
            errors.MaxLength("person.language", person.Language, 35);
            errors.MaxLength("person.accessibilityNeeds", person.AccessibilityNeeds, 1000);
        }

        var needs = request.Needs ?? [];
        if (needs.Count == 0)
        {
            errors.Add("needs", "At least one need is required.");
        }

        for (var i = 0; i < needs.Count; i++)
        {
            if (!Needs.IsKnown(needs[i]))
            {
                errors.Add($"needs[{i}]", $"'{Truncate(needs[i])}' is not in the needs vocabulary: {string.Join(", ", Needs.All)}.");
            }
        }

        errors.MaxLength("reason", request.Reason, ReasonMaxLength);

        var consent = request.Consent;
        if (consent is null)
        {
            errors.Add("consent", "Required: the person's consent to the referral.");
        }
        else
        {
            if (consent.Given != true)
            {
                errors.Add("consent.given", "The person must have given consent to be referred.");
            }

            if (consent.RecordedAt is not { } recordedAt)
            {
                errors.Add("consent.recordedAt", "Required.");
            }
            else if (recordedAt > now.AddMinutes(5))
            {
                errors.Add("consent.recordedAt", "Must not be in the future.");
            }

            if (consent.ShareWithReferrer is null)
            {
                errors.Add("consent.shareWithReferrer", "Required: full or codes-only.");
            }
        }

        if (errors.Any)
        {
            return (null, errors);
        }

        var valid = new ValidReferral(
            new PersonDetails(
                person!.GivenName!.Trim(), person.FamilyName!.Trim(), person.DateOfBirth!.Value,
                string.IsNullOrWhiteSpace(person.NhsNumber) ? null : NhsNumber.Normalise(person.NhsNumber),
                Blank(person.Postcode)?.ToUpperInvariant(), Blank(person.Phone), Blank(person.Email), Blank(person.PreferredContact),
                Blank(person.Language), Blank(person.AccessibilityNeeds)),
            needs.Distinct(StringComparer.Ordinal).ToList(),
            Blank(request.Reason),
            request.Urgency ?? Urgency.Routine,
            new Consent(true, consent!.RecordedAt!.Value, consent.ShareWithReferrer!.Value));
        return (valid, errors);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
