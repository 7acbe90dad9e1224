using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.LinkWorkers.Reconciliation;
using ReferralNetwork.Messaging.Reconciliation;
using ReferralNetwork.UnitTests.EventSourcing;

namespace ReferralNetwork.UnitTests.LinkWorkers;

/// <summary>An onward referral's arrival at its provider, as the case records it and the reconciliation reads it.</summary>
public class OnwardReferralArrivalTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Service = Guid.NewGuid();

    private static DirectoryListing Listing(string name) =>
        new(Guid.NewGuid(), Guid.NewGuid(), "Green Steps", name, ["physical-activity"], "liverpool-north", "direct", 10, 4, T0);

    private static Case Accepted()
    {
        var opened = Evolution.Start<Case>(new CaseOpened(
            Guid.NewGuid(), Service, "LN Link Workers", Pathway.Gp, "liverpool-north", Guid.NewGuid(), "Riverside Surgery", ["loneliness"],
            Urgency.Routine, null,
            new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), "9434765919", "L1 8JQ", "07700900123", null, "phone", "en", null),
            T0.AddDays(-1)));
        return opened.Then(CaseDecider.Decide(opened, new AcceptCase(new LinkWorker(Guid.NewGuid(), Service, "Sam", 10, T0), T0.AddDays(-1))));
    }

    private static (Case Case, Guid OnwardReferralId) ReferredOn(Case current, DateTimeOffset at, string service = "Walking group")
    {
        var id = Guid.NewGuid();
        return (current.Then(CaseDecider.Decide(current, new ReferOn(id, Listing(service), null, at))), id);
    }

    [Fact]
    public void An_onward_referral_awaits_its_arrival_from_when_it_was_made_until_the_arrival_is_reported_once()
    {
        var (referred, id) = ReferredOn(Accepted(), T0);
        Assert.True(referred.OnwardReferral(id)!.IsAwaitingArrival);
        Assert.Equal(T0, referred.AwaitingArrivalSince);

        var arrivedAt = T0.AddSeconds(2);
        var arrived = referred.Then(CaseDecider.Decide(referred, new MirrorArrival(id, arrivedAt)));

        Assert.Equal(arrivedAt, arrived.OnwardReferral(id)!.ArrivedAt);
        Assert.False(arrived.OnwardReferral(id)!.IsAwaitingArrival);
        Assert.Null(arrived.AwaitingArrivalSince);
        Assert.Empty(CaseDecider.Decide(arrived, new MirrorArrival(id, arrivedAt.AddMinutes(1))));
    }

    [Fact]
    public void A_report_of_an_onward_referral_the_case_does_not_hold_changes_nothing() =>
        Assert.Empty(CaseDecider.Decide(Accepted(), new MirrorArrival(Guid.NewGuid(), T0)));

    [Theory]
    [InlineData(OnwardReferralStep.Accepted, OnwardReferralStatus.Accepted)]
    [InlineData(OnwardReferralStep.Rejected, OnwardReferralStatus.Rejected)]
    [InlineData(OnwardReferralStep.Failed, OnwardReferralStatus.Failed)]
    [InlineData(OnwardReferralStep.Escalated, OnwardReferralStatus.Requested)]
    public void Anything_the_provider_could_only_do_once_it_had_the_onward_referral_shows_it_arrived(OnwardReferralStep step, OnwardReferralStatus status)
    {
        var (referred, id) = ReferredOn(Accepted(), T0);

        var reported = referred.Then(CaseDecider.Decide(referred, new MirrorProgress(id, step, status, null, T0.AddDays(2))));

        Assert.False(reported.OnwardReferral(id)!.IsAwaitingArrival);
    }

    [Fact]
    public void An_acknowledgement_shows_it_arrived()
    {
        var (referred, id) = ReferredOn(Accepted(), T0);

        Assert.False(referred.Then(CaseDecider.Decide(referred, new MirrorAcknowledgement(id, T0.AddHours(1)))).OnwardReferral(id)!.IsAwaitingArrival);
    }

    [Fact]
    public void A_withdrawn_onward_referral_no_longer_needs_to_arrive()
    {
        var (referred, id) = ReferredOn(Accepted(), T0);

        var withdrawn = referred.Then(CaseDecider.Decide(referred, new WithdrawOnwardReferral(id, null, T0.AddMinutes(1))));

        Assert.Null(withdrawn.AwaitingArrivalSince);
    }

    [Fact]
    public void An_onward_referral_from_a_snapshot_stored_before_arrivals_were_reported_is_never_taken_for_lost()
    {
        var (referred, id) = ReferredOn(Accepted(), T0);
        var stored = referred with { OnwardReferrals = [referred.OnwardReferral(id)! with { ReportsArrival = false }] };

        Assert.Null(stored.AwaitingArrivalSince);
        Assert.Empty(UndeliveredOnwardReferrals.Overdue([stored], new HashSet<Guid>(), T0.AddDays(30)));
    }

    [Fact]
    public void The_case_awaits_from_its_longest_waiting_onward_referral_and_each_overdue_one_is_found()
    {
        var (first, early) = ReferredOn(Accepted(), T0.AddMinutes(-30), "Walking group");
        var (second, late) = ReferredOn(first, T0.AddMinutes(-2), "Allotment club");
        var (third, delivered) = ReferredOn(second, T0.AddMinutes(-40), "Choir");
        var current = third.Then(CaseDecider.Decide(third, new MirrorArrival(delivered, T0.AddMinutes(-40))));

        Assert.Equal(T0.AddMinutes(-30), current.AwaitingArrivalSince);
        Assert.Equal([new Unreached(early, T0.AddMinutes(-30))], UndeliveredOnwardReferrals.Overdue([current], new HashSet<Guid>(), T0.AddMinutes(-5)));
        Assert.Equal([early, late], UndeliveredOnwardReferrals.Overdue([current], new HashSet<Guid>(), T0).Select(u => u.Id));
    }

    [Fact]
    public void The_onward_referrals_of_an_erased_case_are_left_out()
    {
        var (erased, _) = ReferredOn(Accepted(), T0.AddHours(-1));
        var (other, lost) = ReferredOn(Accepted(), T0.AddHours(-1));

        Assert.Equal([lost], UndeliveredOnwardReferrals.Overdue([erased, other], new HashSet<Guid> { erased.Id }, T0).Select(u => u.Id));
    }
}
