using ReferralNetwork.CommunityProviders.Directory;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.UnitTests.EventSourcing;

namespace ReferralNetwork.UnitTests.Providers;

/// <summary>
/// A service's free places follow the onward referrals holding one (issue 13: with a maximum of 1, accept, accept,
/// complete left 1 free while a place was still held), and the provider's own figure for places taken elsewhere.
/// </summary>
public class ServicePlacesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static CommunityService Listed(int maximum, int available) => Evolution.Start<CommunityService>(new ServiceListed(
        Guid.NewGuid(), Guid.NewGuid(), "Green Steps",
        new ServiceDetails("Stanley Park walking group", null, ["physical-activity"], "liverpool-north", null, null, Cost.Free,
            new Eligibility(null, null), [], ReferralMode.Direct, new Capacity(maximum, available)),
        At));

    private static CommunityService Accept(CommunityService service, Guid onward) =>
        Follow(service, new OnwardReferralAccepted(onward, Guid.NewGuid(), service.ProviderId, At));

    private static CommunityService Complete(CommunityService service, Guid onward) =>
        Follow(service, new OnwardReferralCompleted(onward, Guid.NewGuid(), service.ProviderId, "Walks weekly.", At));

    private static CommunityService Fail(CommunityService service, Guid onward) =>
        Follow(service, new OnwardReferralFailed(onward, Guid.NewGuid(), service.ProviderId, "Stopped coming.", At));

    private static CommunityService Cancel(CommunityService service, Guid onward) =>
        Follow(service, new OnwardReferralCancelled(onward, Guid.NewGuid(), service.ProviderId, "withdrawn", At));

    private static CommunityService Follow(CommunityService service, object onwardEvent) =>
        service.Then(CommunityServiceDecider.FollowOnwardReferral(service, [onwardEvent]));

    private static int Available(CommunityService service) => service.Details.Capacity.Available;

    [Fact]
    public void With_one_place_accept_accept_complete_leaves_none_free_while_the_second_still_holds_it()
    {
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        var service = Accept(Listed(maximum: 1, available: 1), first);
        Assert.Equal(0, Available(service));

        // Over capacity: the provider may still accept, and the second onward referral holds a place too.
        service = Accept(service, second);
        Assert.Equal(0, Available(service));

        service = Complete(service, first);
        Assert.Equal(0, Available(service));

        service = Complete(service, second);
        Assert.Equal(1, Available(service));
    }

    [Fact]
    public void An_acceptance_beyond_the_maximum_is_recorded_as_holding_a_place()
    {
        var service = Accept(Listed(maximum: 1, available: 1), Guid.NewGuid());
        var over = Guid.NewGuid();

        var taken = Assert.IsType<PlaceTaken>(Assert.Single(CommunityServiceDecider.FollowOnwardReferral(
            service, [new OnwardReferralAccepted(over, Guid.NewGuid(), service.ProviderId, At)])));
        Assert.Equal(over, taken.OnwardReferralId);
        Assert.Equal(0, taken.Listing.Details.Capacity.Available);
    }

    [Fact]
    public void Taking_a_place_twice_for_one_onward_referral_holds_it_once()
    {
        var onward = Guid.NewGuid();
        var service = Accept(Listed(maximum: 12, available: 5), onward);
        Assert.Equal(4, Available(service));

        Assert.Empty(CommunityServiceDecider.FollowOnwardReferral(
            service, [new OnwardReferralAccepted(onward, Guid.NewGuid(), service.ProviderId, At)]));
        service = Accept(service, onward);
        Assert.Equal(4, Available(service));

        Assert.Equal(5, Available(Complete(service, onward)));
    }

    [Fact]
    public void Freeing_twice_frees_once_and_freeing_a_place_never_held_changes_nothing()
    {
        var onward = Guid.NewGuid();
        var service = Accept(Listed(maximum: 12, available: 5), onward);

        service = Fail(service, onward);
        Assert.Equal(5, Available(service));
        Assert.Empty(CommunityServiceDecider.FollowOnwardReferral(
            service, [new OnwardReferralCompleted(onward, Guid.NewGuid(), service.ProviderId, "Again.", At)]));
        Assert.Equal(5, Available(Cancel(service, onward)));

        // Accepted before the service followed its places, or accepted at another service: nothing to give back.
        Assert.Equal(5, Available(Fail(service, Guid.NewGuid())));
    }

    [Fact]
    public void The_providers_figure_counts_places_taken_outside_the_network_and_held_places_move_around_it()
    {
        var (a, b, c, d) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var service = Accept(Accept(Listed(maximum: 5, available: 5), a), b);
        Assert.Equal(3, Available(service));

        // The provider says 1 is free: of the 4 places not free, 2 are held by a and b, 2 are taken elsewhere.
        service = service.Then(CommunityServiceDecider.Decide(service, new ChangeCapacity(1, Waitlist.None, At)));
        Assert.Equal(1, Available(service));

        service = Accept(service, c);
        Assert.Equal(0, Available(service));
        service = Accept(service, d);
        Assert.Equal(0, Available(service));

        // Four held and two taken elsewhere: one over, so the first ending frees nothing and the next frees one.
        service = Complete(service, a);
        Assert.Equal(0, Available(service));
        service = Complete(service, b);
        Assert.Equal(1, Available(service));
    }

    [Fact]
    public void The_provider_cannot_say_places_held_by_accepted_onward_referrals_are_free()
    {
        var service = Accept(Accept(Listed(maximum: 5, available: 5), Guid.NewGuid()), Guid.NewGuid());

        var refused = Assert.Throws<InvalidCommand>(() => CommunityServiceDecider.Decide(service, new ChangeCapacity(4, Waitlist.None, At)));
        Assert.Equal("available", refused.Field);
        Assert.Contains("2 of the 5 places are held by onward referrals you accepted", refused.Message);
        Assert.Equal(3, Available(service.Then(CommunityServiceDecider.Decide(service, new ChangeCapacity(3, Waitlist.None, At)))));

        var details = service.Details with { Capacity = new Capacity(5, 4) };
        var edit = Assert.Throws<InvalidCommand>(() => CommunityServiceDecider.Decide(service, new EditService(details, ServiceStatus.Active, At)));
        Assert.Equal("capacity.available", edit.Field);
    }

    [Fact]
    public void Over_capacity_the_provider_can_still_give_no_places_and_a_waitlist_and_they_stand_until_enough_places_end()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var service = Accept(Accept(Listed(maximum: 1, available: 1), a), b);

        service = service.Then(CommunityServiceDecider.Decide(service, new ChangeCapacity(0, Waitlist.OneToThreeMonths, At)));
        Assert.Equal(0, Available(service));
        Assert.Equal(Waitlist.OneToThreeMonths, service.Waitlist);

        Assert.Equal(0, Available(Fail(service, a)));
        Assert.Equal(1, Available(Fail(Fail(service, a), b)));
    }

    [Fact]
    public void Lowering_the_maximum_below_the_places_held_leaves_none_free_until_enough_end()
    {
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var service = Accept(Accept(Accept(Listed(maximum: 5, available: 5), a), b), c);
        service = service.Then(CommunityServiceDecider.Decide(service, new EditService(service.Details with { Capacity = new Capacity(2, 0) }, ServiceStatus.Active, At)));
        Assert.Equal(0, Available(service));

        service = Complete(service, a);
        Assert.Equal(0, Available(service));
        service = Complete(service, b);
        Assert.Equal(1, Available(service));
    }
}
