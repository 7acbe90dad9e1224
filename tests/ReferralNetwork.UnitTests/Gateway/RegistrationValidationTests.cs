using ReferralNetwork.Contracts;
using ReferralNetwork.Gateway.Organisations;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.UnitTests.Gateway;

/// <summary>The registry's registration validator: the fields and messages the operator sees in a 422, judged on trimmed values.</summary>
public class RegistrationValidationTests
{
    public RegistrationValidationTests() => RequestValidation.UsePartnerConventions();

    private static RegisterOrganisationRequest Valid() => new("  Green Steps CIC ", OrganisationKind.CommunityProvider, " liverpool-north ", " ABC12 ");

    private static IEnumerable<(string Field, string Message)> Errors(RegisterOrganisationRequest request) =>
        new RegisterOrganisationRequestValidator().Validate(request).Errors.Select(e => (e.PropertyName, e.ErrorMessage));

    [Fact]
    public void A_valid_registration_is_stored_trimmed()
    {
        Assert.Empty(Errors(Valid()));
        Assert.Equal(new ValidRegistration("Green Steps CIC", OrganisationKind.CommunityProvider, "liverpool-north", "ABC12"), Registration.From(Valid()));
        Assert.Null(Registration.From(Valid() with { OdsCode = "  " }).OdsCode);
    }

    [Fact]
    public void Missing_fields_are_required()
    {
        Assert.Equal(
            [("name", "Required."), ("kind", "Required."), ("area", "Required.")],
            Errors(new RegisterOrganisationRequest(" ", null, null, "   ")));
    }

    [Fact]
    public void The_operator_is_not_registered() =>
        Assert.Equal([("kind", "The operator is not registered; choose the partner's kind.")], Errors(Valid() with { Kind = OrganisationKind.Operator }));

    [Fact]
    public void Lengths_count_what_is_kept_once_trimmed()
    {
        Assert.Empty(Errors(Valid() with { Name = $"  {new string('n', Registration.MaxNameLength)}  " }));
        Assert.Equal(
            [("name", "At most 200 characters."), ("area", "At most 64 characters."), ("odsCode", "At most 20 characters.")],
            Errors(Valid() with { Name = new string('n', 201), Area = new string('a', 65), OdsCode = new string('A', 21) }));
    }

    [Fact]
    public void The_area_is_a_short_code_and_the_ods_code_letters_and_digits()
    {
        Assert.Equal(
            [("area", "A short code of lowercase letters, digits and hyphens, e.g. liverpool-north."), ("odsCode", "Letters and digits only.")],
            Errors(Valid() with { Area = "Liverpool North", OdsCode = "AB-12" }));
        Assert.Equal([("area", "A short code of lowercase letters, digits and hyphens, e.g. liverpool-north.")], Errors(Valid() with { Area = "-north" }));
    }
}
