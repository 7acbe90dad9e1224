using NSubstitute;
using ReferralNetwork.Contracts;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.Referrals.Referrals.Submit;

namespace ReferralNetwork.UnitTests.Referrals;

public class ReferralValidationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = DateOnly.FromDateTime(Now.UtcDateTime);

    private readonly SubmitReferralRequestValidator validator;

    public ReferralValidationTests()
    {
        RequestValidation.UsePartnerConventions();
        var clock = Substitute.For<TimeProvider>();
        clock.GetUtcNow().Returns(Now);
        validator = new SubmitReferralRequestValidator(clock);
    }

    internal static SubmitReferralRequest Valid() => new(
        new PersonRequest("Ada", "Lovelace", new DateOnly(1950, 12, 10), "9434765919", "l1 8jq", "07700900123", null, "phone", "en", "uses a wheelchair"),
        ["loneliness", "physical-activity"],
        "Recently bereaved.",
        Urgency.Routine,
        new ConsentRequest(true, Now.AddDays(-3), ShareWithReferrer.Full));

    [Fact]
    public void A_complete_referral_is_valid_and_normalised()
    {
        var request = Valid() with { Needs = ["loneliness", "loneliness"] };
        Assert.True(validator.Validate(request).IsValid);

        var referral = ValidReferral.From(request);
        Assert.Equal(["loneliness"], referral.Needs);
        Assert.Equal("L1 8JQ", referral.Person.Postcode);
        Assert.Equal(ShareWithReferrer.Full, referral.Consent.ShareWithReferrer);
    }

    [Fact]
    public void Urgency_defaults_to_routine()
    {
        Assert.Equal(Urgency.Routine, ValidReferral.From(Valid() with { Urgency = null }).Urgency);
    }

    [Fact]
    public void Consent_not_given_is_refused() =>
        AssertRefused(Valid() with { Consent = new ConsentRequest(false, Now, ShareWithReferrer.Full) }, "consent.given");

    [Fact]
    public void Missing_consent_is_refused() => AssertRefused(Valid() with { Consent = null }, "consent");

    [Fact]
    public void A_failing_nhs_number_is_refused() =>
        AssertRefused(Valid() with { Person = Valid().Person! with { NhsNumber = "9434765918" } }, "person.nhsNumber");

    [Fact]
    public void No_nhs_number_is_fine()
    {
        var request = Valid() with { Person = Valid().Person! with { NhsNumber = null } };
        Assert.True(validator.Validate(request).IsValid);
        Assert.Null(ValidReferral.From(request).Person.NhsNumber);
    }

    [Fact]
    public void A_date_of_birth_in_the_future_is_refused() =>
        AssertRefused(Valid() with { Person = Valid().Person! with { DateOfBirth = Today.AddDays(1) } }, "person.dateOfBirth");

    [Fact]
    public void Born_today_is_allowed()
    {
        Assert.True(validator.Validate(Valid() with { Person = Valid().Person! with { DateOfBirth = Today } }).IsValid);
    }

    [Fact]
    public void Needs_outside_the_vocabulary_are_refused() =>
        AssertRefused(Valid() with { Needs = ["loneliness", "money"] }, "needs[1]");

    [Fact]
    public void More_needs_than_the_vocabulary_holds_are_refused_as_one_error()
    {
        var error = Assert.Single(validator.Validate(Valid() with { Needs = Enumerable.Repeat("knitting", 20_000).ToList() }).Errors);
        Assert.Equal("needs", error.PropertyName);
        Assert.Equal($"At most {Needs.All.Count} needs: the vocabulary has no more.", error.ErrorMessage);
        Assert.True(validator.Validate(Valid() with { Needs = Needs.All.ToList() }).IsValid);
    }

    [Fact]
    public void At_least_one_need_is_required() => AssertRefused(Valid() with { Needs = [] }, "needs");

    [Fact]
    public void Names_longer_than_100_characters_are_refused() =>
        AssertRefused(Valid() with { Person = Valid().Person! with { GivenName = new string('a', 101) } }, "person.givenName");

    [Fact]
    public void A_name_of_exactly_100_characters_is_allowed()
    {
        Assert.True(validator.Validate(Valid() with { Person = Valid().Person! with { FamilyName = new string('a', 100) } }).IsValid);
    }

    [Fact]
    public void A_reason_longer_than_4000_characters_is_refused() =>
        AssertRefused(Valid() with { Reason = new string('r', 4001) }, "reason");

    [Fact]
    public void Every_failing_field_is_reported_at_once()
    {
        var fields = validator.Validate(new SubmitReferralRequest(null, null, null, null, null)).Errors.Select(e => e.PropertyName).ToList();
        Assert.Contains("person", fields);
        Assert.Contains("needs", fields);
        Assert.Contains("consent", fields);
    }

    [Fact]
    public void An_unknown_need_is_named_with_its_place_and_the_vocabulary()
    {
        var error = Assert.Single(validator.Validate(Valid() with { Needs = ["loneliness", "money"] }).Errors);
        Assert.Equal("needs[1]", error.PropertyName);
        Assert.StartsWith("'money' is not in the needs vocabulary: loneliness, ", error.ErrorMessage);
    }

    [Fact]
    public void Every_unknown_need_is_named()
    {
        var fields = validator.Validate(Valid() with { Needs = ["money", "loneliness", "knitting"] }).Errors.Select(e => e.PropertyName);
        Assert.Equal(["needs[0]", "needs[2]"], fields);
    }

    private void AssertRefused(SubmitReferralRequest request, string field) =>
        Assert.Contains(field, validator.Validate(request).Errors.Select(e => e.PropertyName));
}
