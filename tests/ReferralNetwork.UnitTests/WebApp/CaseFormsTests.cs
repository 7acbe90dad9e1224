using ReferralNetwork.Web.Caseload;
using ReferralNetwork.Web.Components.Forms;
using Xunit;

namespace ReferralNetwork.UnitTests.WebApp;

public class CaseFormsTests
{
    [Fact]
    public void An_empty_assessment_is_refused_with_a_message_for_each_missing_answer()
    {
        var errors = new FormErrors();

        Assert.Null(CaseForms.Assessment("  ", [], null, [], errors));

        Assert.Equal("Write what matters to the person, in their words.", errors.For("whatMatters"));
        Assert.Equal("Choose at least one need you agreed with the person.", errors.For("needs"));
        Assert.Null(errors.For("interests"));
        Assert.Null(errors.For("barriers"));
    }

    [Fact]
    public void An_assessment_is_sent_trimmed_with_its_interests_as_a_list()
    {
        var errors = new FormErrors();

        var body = CaseForms.Assessment("  Meeting people  ", ["loneliness"], " walking, Tea ;tea,, choir ", ["cost"], errors);

        Assert.False(errors.Any);
        Assert.NotNull(body);
        Assert.Equal("Meeting people", body.WhatMatters);
        Assert.Equal(["loneliness"], body.Needs);
        Assert.Equal(["walking", "Tea", "choir"], body.Interests);
        Assert.Equal(["cost"], body.Barriers);
    }

    [Fact]
    public void The_assessments_limits_are_the_apis()
    {
        var tooLong = new FormErrors();
        Assert.Null(CaseForms.Assessment(new string('a', CaseForms.WhatMattersMaxLength + 1), ["loneliness"], null, [], tooLong));
        Assert.StartsWith("Must be 4000 characters or fewer", tooLong.For("whatMatters"));

        var tooMany = new FormErrors();
        Assert.Null(CaseForms.Assessment("x", ["loneliness"], string.Join(",", Enumerable.Range(1, 21).Select(i => $"i{i}")), [], tooMany));
        Assert.Equal("Enter 20 interests or fewer (there are 21).", tooMany.For("interests"));

        var longInterest = new FormErrors();
        Assert.Null(CaseForms.Assessment("x", ["loneliness"], new string('b', 51), [], longInterest));
        Assert.Equal("Each interest must be 50 characters or fewer.", longInterest.For("interests"));

        Assert.Equal(ReferralNetwork.LinkWorkers.Cases.CasesApi.WhatMattersMaxLength, CaseForms.WhatMattersMaxLength);
        Assert.Equal(ReferralNetwork.LinkWorkers.Cases.CasesApi.MaxInterests, CaseForms.MaxInterests);
        Assert.Equal(ReferralNetwork.LinkWorkers.Cases.CasesApi.InterestMaxLength, CaseForms.InterestMaxLength);
        Assert.Equal(ReferralNetwork.LinkWorkers.Cases.CasesApi.NoteMaxLength, CaseForms.NoteMaxLength);
        Assert.Equal(ReferralNetwork.LinkWorkers.Cases.CasesApi.SummaryMaxLength, CaseForms.SummaryMaxLength);
    }

    [Fact]
    public void An_optional_note_is_nothing_when_blank_and_checked_when_given()
    {
        var errors = new FormErrors();
        Assert.Null(CaseForms.OptionalNote("note", "   ", 10, errors));
        Assert.False(errors.Any);
        Assert.Equal("short", CaseForms.OptionalNote("note", " short ", 10, errors));
        Assert.Null(CaseForms.OptionalNote("note", "far too long a note", 10, errors));
        Assert.StartsWith("Must be 10 characters or fewer", errors.For("note"));
    }
}
