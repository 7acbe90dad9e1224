using FluentValidation;
using NSubstitute;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.UnitTests.PartnerApi;

/// <summary>Request validators name fields as partners send them and say what is wrong in the contract's words.</summary>
public class RequestValidationTests
{
    public RequestValidationTests() => RequestValidation.UsePartnerConventions();

    private sealed record Person(string? GivenName);

    private sealed record Body(Person? Person, IReadOnlyList<string>? Needs);

    private sealed class BodyValidator : AbstractValidator<Body>
    {
        public BodyValidator()
        {
            RuleFor(b => b.Person!.GivenName).RequiredText(5).When(b => b.Person is not null);
            RuleFor(b => b.Needs).EachOneOf(["loneliness", "housing"]);
        }
    }

    [Fact]
    public void Fields_are_named_by_their_json_path()
    {
        var result = new BodyValidator().Validate(new Body(new Person("   "), ["housing", "knitting", "gardening"]));

        Assert.Equal(["person.givenName", "needs"], result.Errors.Select(e => e.PropertyName));
        Assert.Equal("Required.", result.Errors[0].ErrorMessage);
        Assert.Equal("Unknown: knitting, gardening. Each must be one of: loneliness, housing.", result.Errors[1].ErrorMessage);
    }

    [Fact]
    public void A_field_says_one_thing_at_a_time()
    {
        var result = new LinkWorkerRequestValidator().Validate(new LinkWorkerRequest(null, 0));

        Assert.Equal([("name", "Required."), ("maxActiveCases", "Required: between 1 and 500.")], result.Errors.Select(e => (e.PropertyName, e.ErrorMessage)));
        Assert.Equal("At most 100 characters.", Assert.Single(new LinkWorkerRequestValidator().Validate(new LinkWorkerRequest(new string('a', 101), 3)).Errors).ErrorMessage);
    }

    [Fact]
    public void An_enum_field_names_its_values()
    {
        var result = new RejectCaseRequestValidator().Validate(new RejectCaseRequest(null, new string('n', CasesApi.NoteMaxLength + 1)));

        Assert.Equal(
            [("reason", "Required: one of not-eligible, out-of-area, duplicate, other"), ("note", "At most 2000 characters")],
            result.Errors.Select(e => (e.PropertyName, e.ErrorMessage.TrimEnd('.'))));
    }

    [Fact]
    public void A_contact_cannot_be_recorded_in_the_future()
    {
        var now = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
        var clock = Substitute.For<TimeProvider>();
        clock.GetUtcNow().Returns(now);
        var validator = new RecordContactRequestValidator(clock);

        Assert.True(validator.Validate(new RecordContactRequest("reached", now.AddMinutes(4))).IsValid);
        Assert.Equal("at", Assert.Single(validator.Validate(new RecordContactRequest("reached", now.AddMinutes(6))).Errors).PropertyName);
        Assert.Equal("outcome", Assert.Single(validator.Validate(new RecordContactRequest("waved", null)).Errors).PropertyName);
    }
}
