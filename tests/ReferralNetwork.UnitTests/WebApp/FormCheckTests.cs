using ReferralNetwork.Web.Components.Forms;
using ReferralNetwork.Web.Network;
using Xunit;

namespace ReferralNetwork.UnitTests.WebApp;

public class FormCheckTests
{
    private static readonly DateTimeOffset Today = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("", "", "", "Enter the date of the session.")]
    [InlineData("31", "2", "2026", "Enter a real date, with a day, a month and a four-digit year.")]
    [InlineData("5", "13", "2026", "Enter a real date, with a day, a month and a four-digit year.")]
    [InlineData("5", "12", "26", "Enter a real date, with a day, a month and a four-digit year.")]
    [InlineData("x", "12", "2026", "Enter a real date, with a day, a month and a four-digit year.")]
    [InlineData("6", "12", "2026", "The date must be today or in the past.")]
    public void A_date_that_is_missing_not_real_or_in_the_future_is_refused_with_why(string day, string month, string year, string message)
    {
        var errors = new FormErrors();

        Assert.Null(DateParts.Read(day, month, year, Today, errors, "date"));
        Assert.Equal(message, errors.For("date"));
    }

    [Theory]
    [InlineData("5", "12", "2026")]
    [InlineData(" 29 ", "02", "2024")]
    public void A_real_date_up_to_today_is_read(string day, string month, string year)
    {
        var errors = new FormErrors();

        Assert.NotNull(DateParts.Read(day, month, year, Today, errors, "date"));
        Assert.False(errors.Any);
    }

    [Fact]
    public void Required_text_is_trimmed_and_refused_when_empty_or_too_long()
    {
        var errors = new FormErrors();

        Assert.Equal("hello", errors.RequireText("text", "  hello ", 10, "Write it."));
        Assert.Null(errors.RequireText("empty", "   ", 10, "Write it."));
        Assert.Null(errors.RequireText("long", new string('a', 11), 10, "Write it."));

        Assert.Equal("Write it.", errors.For("empty"));
        Assert.Equal("Must be 10 characters or fewer (it is 11).", errors.For("long"));
        Assert.Null(errors.For("text"));
    }

    [Fact]
    public void The_apis_field_errors_go_next_to_the_forms_fields_and_any_other_to_the_form_as_a_whole()
    {
        var errors = new FormErrors();
        var problem = new ApiProblem(422, "Invalid request", null, new Dictionary<string, string[]>
        {
            ["Reason"] = ["Required: at-capacity, not-eligible, out-of-area or other."],
            ["person.givenName"] = ["Too long."],
        });

        errors.From(problem, "reason", "note");

        Assert.Equal("Required: at-capacity, not-eligible, out-of-area or other.", errors.For("reason"));
        Assert.Null(errors.For("note"));
        Assert.Equal("person.givenName: Too long.", errors.General);
    }

    [Fact]
    public void A_refusal_without_field_errors_is_said_for_the_whole_form_in_the_apis_words()
    {
        var errors = new FormErrors();

        errors.From(new ApiProblem(409, "Conflict", "The onward referral was cancelled.", new Dictionary<string, string[]>()), "reason");

        Assert.Equal("Conflict. The onward referral was cancelled.", errors.General);
        Assert.Empty(errors.Fields);
    }
}
