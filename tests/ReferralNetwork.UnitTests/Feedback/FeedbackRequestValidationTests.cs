using System.Security.Claims;
using FluentValidation;
using Microsoft.AspNetCore.Http;
using ReferralNetwork.Contracts;
using ReferralNetwork.Feedback.Involvement;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.Reports;
using ReferralNetwork.Feedback.UserFeedback;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.UnitTests.Feedback;

/// <summary>The feedback service's request validators: the fields and messages a partner (or the public) sees in a 422.</summary>
public class FeedbackRequestValidationTests
{
    private static readonly Caller Commissioner = new(Guid.NewGuid(), OrganisationKind.Commissioner, "liverpool-north", "Liverpool North");
    private static readonly Caller Operator = new(Guid.NewGuid(), OrganisationKind.Operator, "", "Operator");

    public FeedbackRequestValidationTests() => RequestValidation.UsePartnerConventions();

    private static IEnumerable<(string Field, string Message)> Errors<T>(IValidator<T> validator, T request) =>
        validator.Validate(request).Errors.Select(e => (e.PropertyName, e.ErrorMessage));

    private static GiveFeedbackRequestValidator Feedback(bool withToken)
    {
        var user = withToken ? new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "partner")], "Bearer")) : new ClaimsPrincipal(new ClaimsIdentity());
        return new GiveFeedbackRequestValidator(new HttpContextAccessor { HttpContext = new DefaultHttpContext { User = user } });
    }

    // 5 December 2026, a while before midnight.
    private static readonly TimeProvider Today = new Defaults.ManualClock(new DateTimeOffset(2026, 12, 5, 23, 59, 0, TimeSpan.Zero));

    private static SummaryQuery Summary(string? from, string? to, string? area = null, Caller? caller = null, string? format = null) =>
        new(area, from, to, format, caller ?? Commissioner, Today);

    [Fact]
    public void A_measure_names_its_missing_fields_and_the_items_its_instrument_needs()
    {
        Assert.Equal(
            [("referralId", "Required."), ("instrument", "Required: swemwbs, wemwbs, ons4 or goals."), ("timepoint", "Required: baseline or follow-up.")],
            Errors(new RecordOutcomeRequestValidator(), new RecordOutcomeRequest(null, null, null, [3, 3], null)));
        Assert.Equal(
            [("responses", "exactly 7 items are required.")],
            Errors(new RecordOutcomeRequestValidator(), new RecordOutcomeRequest(Guid.NewGuid(), Instrument.Swemwbs, Timepoint.Baseline, [3, 3], null)));
        Assert.Equal(
            [("goals", "the goals must differ.")],
            Errors(new RecordOutcomeRequestValidator(), new RecordOutcomeRequest(Guid.NewGuid(), Instrument.Goals, Timepoint.Baseline, null, [new("a", 2), new("A", 3)])));
        Assert.Empty(Errors(new RecordOutcomeRequestValidator(), new RecordOutcomeRequest(Guid.NewGuid(), Instrument.Ons4, Timepoint.FollowUp, [0, 10, 0, 10], null)));
    }

    [Fact]
    public void Outcomes_are_listed_for_a_named_referral()
    {
        Assert.Equal([("referralId", "Required.")], Errors(new OutcomesQueryValidator(), new OutcomesQuery(null)));
        Assert.Empty(Errors(new OutcomesQueryValidator(), new OutcomesQuery(Guid.NewGuid())));
    }

    [Fact]
    public void Feedback_is_about_something_and_rated_from_one_to_five()
    {
        Assert.Equal(
            [("referralId", "Give a referralId or a serviceId (or both)."), ("rating", "Required: 1 to 5."), ("comment", "At most 2000 characters.")],
            Errors(Feedback(withToken: true), new GiveFeedbackRequest(null, null, null, new string('c', 2001))));
        Assert.Equal([("rating", "From 1 to 5.")], Errors(Feedback(withToken: false), new GiveFeedbackRequest(null, Guid.NewGuid(), 6, null)));
        Assert.Empty(Errors(Feedback(withToken: false), new GiveFeedbackRequest(null, Guid.NewGuid(), 5, "Lovely people.")));
    }

    [Fact]
    public void Only_a_partner_token_may_name_a_referral()
    {
        Assert.Equal(
            [("referralId", "Feedback on a referral needs a partner token; the public route takes serviceId only.")],
            Errors(Feedback(withToken: false), new GiveFeedbackRequest(Guid.NewGuid(), null, 4, null)));
        Assert.Empty(Errors(Feedback(withToken: true), new GiveFeedbackRequest(Guid.NewGuid(), null, 4, null)));
    }

    [Fact]
    public void A_suggestion_needs_an_area_and_a_text_of_at_most_2000_characters()
    {
        Assert.Equal([("area", "Required."), ("text", "Required.")], Errors(new MakeSuggestionRequestValidator(), new MakeSuggestionRequest(" ", null)));
        Assert.Equal(
            [("area", "At most 100 characters."), ("text", "At most 2000 characters.")],
            Errors(new MakeSuggestionRequestValidator(), new MakeSuggestionRequest(new string('a', 101), new string('x', 2001))));
    }

    [Fact]
    public void A_report_needs_a_period_of_at_most_five_years()
    {
        var validator = new SummaryQueryValidator();
        Assert.Empty(Errors(validator, Summary("2025-01-01", "2025-01-31")));
        Assert.Empty(Errors(validator, Summary(null, " ")));
        Assert.Equal((new DateOnly(2025, 12, 6), new DateOnly(2026, 12, 5)), (Summary(null, null).FromDate, Summary(null, null).ToDate));
        Assert.Equal((new DateOnly(2024, 7, 1), new DateOnly(2025, 6, 30)), (Summary(null, "2025-06-30").FromDate, Summary(null, "2025-06-30").ToDate));
        Assert.Equal((new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 5)), (Summary("2026-01-01", null).FromDate, Summary("2026-01-01", null).ToDate));
        Assert.Equal([("to", "Must not be before from (today when not given).")], Errors(validator, Summary("2026-12-06", null)));
        Assert.Equal([("to", "A report covers at most 5 years.")], Errors(validator, Summary("2021-12-04", null)));
        Assert.Equal([("to", "Must not be before from.")], Errors(validator, Summary("2025-02-01", "2025-01-01")));
        Assert.Equal([("to", "A report covers at most 5 years.")], Errors(validator, Summary("2015-01-01", "2025-01-01")));
        Assert.Empty(Errors(validator, Summary("2020-01-01", "2025-01-01")));
    }

    [Fact]
    public void The_operator_names_the_area_and_a_commissioner_defaults_to_its_own()
    {
        var validator = new SummaryQueryValidator();
        Assert.Equal([("area", "Required.")], Errors(validator, Summary("2025-01-01", "2025-01-31", caller: Operator)));
        Assert.Equal("liverpool-north", Summary("2025-01-01", "2025-01-31").ReportArea);
        Assert.Equal("wirral", Summary("2025-01-01", "2025-01-31", area: " wirral ", caller: Operator).ReportArea);
    }

    [Fact]
    public void A_query_that_does_not_read_is_left_to_the_handlers_400()
    {
        var validator = new SummaryQueryValidator();
        Assert.Empty(Errors(validator, Summary("January", null)));
        Assert.Empty(Errors(validator, Summary(null, null, format: "xml")));
        Assert.False(Summary("January", "2025-01-01").DatesRead);
        Assert.False(Summary("2025-01-01", "2025-01-31", format: "xml").FormatKnown);
    }
}
