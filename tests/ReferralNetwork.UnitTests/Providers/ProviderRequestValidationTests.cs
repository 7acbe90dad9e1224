using FluentValidation;
using NSubstitute;
using ReferralNetwork.CommunityProviders.Directory;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.UnitTests.Providers;

/// <summary>The directory's and the inbox's request validators: the fields and messages a provider sees in a 422.</summary>
public class ProviderRequestValidationTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = DateOnly.FromDateTime(At.UtcDateTime);

    public ProviderRequestValidationTests() => RequestValidation.UsePartnerConventions();

    private static ServiceRequest Listing() => new(
        "Stanley Park walking group", null, ["physical-activity"], "liverpool-north", "l4 0td", null, Cost.Free, null, [], ReferralMode.Direct,
        new Capacity(12, 5));

    private static IEnumerable<(string Field, string Message)> Errors<T>(IValidator<T> validator, T request) =>
        validator.Validate(request).Errors.Select(e => (e.PropertyName, e.ErrorMessage));

    private static TimeProvider ClockAt(DateTimeOffset now)
    {
        var clock = Substitute.For<TimeProvider>();
        clock.GetUtcNow().Returns(now);
        return clock;
    }

    [Fact]
    public void A_complete_listing_is_valid() => Assert.Empty(Errors(new ServiceRequestValidator(), Listing()));

    [Fact]
    public void A_listing_missing_everything_names_each_required_field()
    {
        var empty = new ServiceRequest(null, null, null, null, null, null, null, null, null, null, null);

        Assert.Equal(
            [
                ("name", "Required."),
                ("categories", "At least one category from the needs vocabulary is required."),
                ("area", "Required."),
                ("cost", "Required: free, paid or donation."),
                ("referralMode", "Required: direct or signpost."),
                ("capacity", "Required: maximum and available places."),
            ],
            Errors(new ServiceRequestValidator(), empty));
    }

    [Fact]
    public void Unknown_categories_are_named_by_their_index()
    {
        var errors = Errors(new ServiceRequestValidator(), Listing() with { Categories = ["physical-activity", "knitting", "juggling"] }).ToList();

        Assert.Equal(["categories[1]", "categories[2]"], errors.Select(e => e.Field));
        Assert.StartsWith("Not in the needs vocabulary: loneliness, ", errors[0].Message);
    }

    [Fact]
    public void Ages_capacity_and_accessibility_say_what_fits()
    {
        var request = Listing() with
        {
            Name = new string('n', 201),
            Eligibility = new Eligibility(130, 20),
            Accessibility = ["step-free", " "],
            Capacity = new Capacity(3, 4),
        };

        Assert.Equal(
            [
                ("name", "At most 200 characters."),
                ("eligibility.minAge", "Between 0 and 120."),
                ("eligibility", "minAge must not exceed maxAge."),
                ("accessibility", "At most 20 entries of 1 to 100 characters."),
                ("capacity", "maximum and available are 0 or more, and available is at most maximum."),
            ],
            Errors(new ServiceRequestValidator(), request));
        Assert.Equal(
            [("eligibility.maxAge", "Between 0 and 120.")],
            Errors(new ServiceRequestValidator(), Listing() with { Eligibility = new Eligibility(null, -1) }));
    }

    [Fact]
    public void A_capacity_change_needs_both_available_and_waitlist() =>
        Assert.Equal(
            [("available", "Required: the number of places free now."), ("waitlist", "Required: none, under-1-month, 1-3-months or over-3-months.")],
            Errors(new CapacityRequestValidator(), new CapacityRequest(null, null)));

    [Fact]
    public void A_rejection_needs_a_reason_and_a_short_note()
    {
        Assert.Equal(
            [("reason", "Required: at-capacity, not-eligible, out-of-area or other."), ("note", "At most 1000 characters.")],
            Errors(new RejectRequestValidator(), new RejectRequest(null, new string('x', 1001))));
        Assert.Empty(Errors(new RejectRequestValidator(), new RejectRequest(RejectionReason.AtCapacity, null)));
    }

    [Fact]
    public void Attendance_must_name_a_date_not_in_the_future_and_whether_they_came()
    {
        var validator = new AttendanceRequestValidator(ClockAt(At));
        Assert.Empty(Errors(validator, new AttendanceRequest(Today, true)));
        Assert.Equal([("date", "Must not be in the future.")], Errors(validator, new AttendanceRequest(Today.AddDays(1), true)));
        Assert.Equal(
            [("date", "Required: the date of the session (yyyy-mm-dd)."), ("attended", "Required: true or false.")],
            Errors(validator, new AttendanceRequest(null, null)));

        // Just after midnight in London during BST it is still the previous day in UTC.
        var lateEveningUtc = new AttendanceRequestValidator(ClockAt(new DateTimeOffset(2026, 6, 1, 23, 30, 0, TimeSpan.Zero)));
        Assert.Empty(Errors(lateEveningUtc, new AttendanceRequest(new DateOnly(2026, 6, 2), true)));
    }

    [Fact]
    public void Completion_and_failure_need_their_text()
    {
        Assert.Equal([("summary", "Required.")], Errors(new CompleteRequestValidator(), new CompleteRequest("  ")));
        Assert.Equal([("summary", "At most 4000 characters.")], Errors(new CompleteRequestValidator(), new CompleteRequest(new string('x', 4001))));
        Assert.Equal([("reason", "Required.")], Errors(new FailRequestValidator(), new FailRequest(null)));
        Assert.Equal([("reason", "At most 500 characters.")], Errors(new FailRequestValidator(), new FailRequest(new string('x', 501))));
    }
}
