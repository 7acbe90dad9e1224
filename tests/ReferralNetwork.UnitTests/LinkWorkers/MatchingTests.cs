using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;

namespace ReferralNetwork.UnitTests.LinkWorkers;

public class MatchingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private const string Area = "liverpool-north";

    private static MatchProfile Ada(IReadOnlyList<string>? barriers = null, IReadOnlyList<string>? interests = null, int? age = 75) =>
        new(Area, age, "L4 2QH", ["loneliness", "physical-activity"], interests ?? [], barriers ?? []);

    private static DirectoryListing Listing(string name, string[]? categories = null, int available = 5, string cost = "free",
        string[]? accessibility = null, string postcode = "L4 0TD", int confirmedDaysAgo = 10, string area = Area, string status = "active",
        int? minAge = null, int? maxAge = null, string referralMode = "direct", string waitlist = "none", string? description = null) =>
        new(Guid.NewGuid(), Guid.NewGuid(), "Green Steps", name, categories ?? ["loneliness", "physical-activity"], area, referralMode, 12, available,
            Now.AddDays(-confirmedDaysAgo), description, postcode, "Tuesdays 10:00", cost, minAge, maxAge, accessibility ?? [], status, waitlist,
            Now.AddDays(-confirmedDaysAgo));

    private static List<string> Names(IEnumerable<Match> matches) => matches.Select(m => m.Name).ToList();

    [Fact]
    public void A_service_whose_age_rule_excludes_the_person_is_left_out()
    {
        var ranked = Matching.Rank(Ada(age: 75),
            [Listing("Youth football", maxAge: 25), Listing("Over-80s lunch club", minAge: 80), Listing("Walking group", minAge: 18)], Now);
        Assert.Equal(["Walking group"], Names(ranked));
    }

    [Fact]
    public void Services_of_other_areas_and_inactive_ones_are_left_out()
    {
        var ranked = Matching.Rank(Ada(),
            [Listing("Elsewhere walks", area: "wirral"), Listing("Closed café", status: "temporarily-closed"), Listing("Old choir", status: "defunct"),
                Listing("Walking group")], Now);
        Assert.Equal(["Walking group"], Names(ranked));
    }

    [Fact]
    public void A_service_with_places_ranks_above_an_equal_one_with_none_and_says_why()
    {
        var ranked = Matching.Rank(Ada(), [Listing("Allotment friends", available: 0, waitlist: "1-3-months"), Listing("Walking group", available: 3)], Now);

        Assert.Equal(["Walking group", "Allotment friends"], Names(ranked));
        Assert.Contains("3 places available", ranked[0].Reasons);
        Assert.Contains("No places now; waitlist 1-3 months", ranked[1].Reasons);
        Assert.Equal(new MatchCapacity(0, 12, "1-3-months"), ranked[1].Capacity);
    }

    [Fact]
    public void With_cost_as_a_barrier_the_free_service_is_above_the_paid_one()
    {
        // Alphabetically the paid one would come first; without the barrier they tie.
        var services = new[] { Listing("Aqua fit", cost: "paid"), Listing("Walking group", cost: "free") };
        Assert.Equal(["Aqua fit", "Walking group"], Names(Matching.Rank(Ada(), services, Now)));

        var ranked = Matching.Rank(Ada(barriers: ["cost"]), services, Now);
        Assert.Equal(["Walking group", "Aqua fit"], Names(ranked));
        Assert.Contains("Free — cost was raised as a barrier", ranked[0].Reasons);
        Assert.Contains("Paid — cost was raised as a barrier", ranked[1].Reasons);
    }

    [Fact]
    public void With_mobility_as_a_barrier_step_free_access_is_preferred()
    {
        var ranked = Matching.Rank(Ada(barriers: ["mobility"]), [Listing("Allotment friends"), Listing("Walking group", accessibility: ["step-free"])], Now);
        Assert.Equal(["Walking group", "Allotment friends"], Names(ranked));
        Assert.Contains("Step-free access", ranked[0].Reasons);
        Assert.Contains("No step-free access listed — mobility was raised as a barrier", ranked[1].Reasons);
    }

    [Fact]
    public void With_transport_as_a_barrier_the_same_postcode_district_is_preferred()
    {
        var ranked = Matching.Rank(Ada(barriers: ["transport"]), [Listing("Allotment friends", postcode: "L8 1AB"), Listing("Walking group", postcode: "L4 0TD")], Now);
        Assert.Equal(["Walking group", "Allotment friends"], Names(ranked));
        Assert.Contains("Close to home (L4) — transport was raised as a barrier", ranked[0].Reasons);
        Assert.Equal("L4", Matching.OutwardCode("l40td"));
    }

    [Fact]
    public void A_listing_not_confirmed_for_months_is_penalised()
    {
        var ranked = Matching.Rank(Ada(), [Listing("Allotment friends", confirmedDaysAgo: 150), Listing("Walking group", confirmedDaysAgo: 12)], Now);
        Assert.Equal(["Walking group", "Allotment friends"], Names(ranked));
        Assert.Contains("Listing confirmed 12 days ago", ranked[0].Reasons);
        Assert.Contains("Listing not confirmed for 5 months", ranked[1].Reasons);
    }

    [Fact]
    public void Needs_and_interests_give_their_reasons()
    {
        var ranked = Matching.Rank(Ada(interests: ["walking", "birdwatching"]),
            [Listing("Art class", categories: ["arts-and-culture"]), Listing("Stanley Park walks", categories: ["physical-activity"], description: "Gentle walks")], Now);

        Assert.Equal("Stanley Park walks", ranked[0].Name);
        Assert.Contains("Meets 1 of 2 needs: physical-activity", ranked[0].Reasons);
        Assert.Contains("Matches an interest: walking", ranked[0].Reasons);
        Assert.Contains("Meets none of the 2 needs", ranked[1].Reasons);
        Assert.True(ranked[0].Score > ranked[1].Score);
    }

    [Fact]
    public void Every_factor_that_applies_has_a_reason()
    {
        var match = Assert.Single(Matching.Rank(Ada(barriers: ["cost", "mobility", "transport"], interests: ["walking"]),
            [Listing("Walking group", accessibility: ["wheelchair accessible"], available: 1, confirmedDaysAgo: 0)], Now));
        Assert.Equal(
            ["Meets 2 of 2 needs: loneliness, physical-activity", "Matches an interest: walking", "Free — cost was raised as a barrier", "Wheelchair accessible",
                "Close to home (L4) — transport was raised as a barrier", "1 place available", "Listing confirmed today"],
            match.Reasons);
        Assert.Equal(100, match.Score);
    }

    [Fact]
    public void Ties_are_broken_by_name_and_signpost_only_services_come_after_those_taking_referrals()
    {
        var ranked = Matching.Rank(Ada(),
            [Listing("Befriending line", referralMode: "signpost"), Listing("Walking group"), Listing("Allotment friends"), Listing("Choir")], Now);
        Assert.Equal(["Allotment friends", "Choir", "Walking group", "Befriending line"], Names(ranked));
        Assert.Equal("signpost", ranked[3].ReferralMode);
        Assert.Contains(ranked[3].Reasons, r => r.StartsWith("Signpost only", StringComparison.Ordinal));
    }

    [Fact]
    public void The_assessments_needs_replace_the_referrals_and_age_comes_from_the_date_of_birth()
    {
        Assert.Equal(75, MatchProfile.AgeOn(new DateOnly(1950, 12, 10), new DateOnly(2026, 11, 23)));
        Assert.Equal(76, MatchProfile.AgeOn(new DateOnly(1950, 11, 23), new DateOnly(2026, 11, 23)));
        Assert.Null(MatchProfile.AgeOn(DateOnly.MinValue, new DateOnly(2026, 11, 23)));
    }
}
