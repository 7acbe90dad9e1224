using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.UnitTests.EventSourcing;

namespace ReferralNetwork.UnitTests.Referrals;

public class ReferralDeciderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Gp = Guid.NewGuid();
    private static readonly Guid LinkWorkerService = Guid.NewGuid();
    private static readonly Actor ByLinkWorkerService = new(LinkWorkerService, OrganisationKind.LinkWorkerService);
    private static readonly Guid Provider = Guid.NewGuid();

    private static Referral Requested() => Evolution.Start<Referral>(new ReferralRequested(
        Guid.NewGuid(), Pathway.Gp, "liverpool-north", new Actor(Gp, OrganisationKind.GpPractice), "Riverside Surgery", ["loneliness"],
        Urgency.Routine, null, new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), null, null, null, null, null, null, null),
        new Consent(true, At, ShareWithReferrer.Full), At));

    private static Referral Routed()
    {
        var requested = Requested();
        return requested.Then(ReferralDecider.Decide(requested, new AssignLinkWorkerService(LinkWorkerService, "LN Link Workers", At)));
    }

    private static Referral Accepted()
    {
        var routed = Routed();
        return routed.Then(ReferralDecider.Decide(routed, new AssignLinkWorker(ByLinkWorkerService, Guid.NewGuid(), "Sam", At)));
    }

    [Fact]
    public void Routing_assigns_the_link_worker_service_once()
    {
        var routed = Routed();
        Assert.Equal(LinkWorkerService, routed.LinkWorkerServiceId);
        Assert.True(routed.IsPartyOf(LinkWorkerService));
        Assert.Empty(ReferralDecider.Decide(routed, new AssignLinkWorkerService(LinkWorkerService, "LN Link Workers", At)));
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(routed, new AssignLinkWorkerService(Guid.NewGuid(), "Elsewhere", At)));
    }

    [Fact]
    public void Acceptance_moves_a_requested_referral_to_accepted_with_its_link_worker()
    {
        var accepted = Accepted();
        Assert.Equal(ReferralStatus.Accepted, accepted.Status);
        Assert.Equal("Sam", accepted.LinkWorker!.Name);
    }

    [Fact]
    public void Acceptance_reported_twice_changes_nothing_the_second_time()
    {
        var accepted = Accepted();
        Assert.Empty(ReferralDecider.Decide(accepted, new AssignLinkWorker(ByLinkWorkerService, accepted.LinkWorker!.Id, "Sam", At)));
    }

    [Fact]
    public void Acceptance_by_another_service_is_refused() =>
        Assert.Throws<RuleViolation>(() => ReferralDecider.Decide(Routed(), new AssignLinkWorker(new Actor(Guid.NewGuid(), OrganisationKind.LinkWorkerService), Guid.NewGuid(), "X", At)));

    [Fact]
    public void Acceptance_before_routing_waits_for_the_routing() =>
        Assert.Throws<ReportedOutOfOrder>(() => ReferralDecider.Decide(Requested(), new AssignLinkWorker(ByLinkWorkerService, Guid.NewGuid(), "Sam", At)));

    [Fact]
    public void Reaching_the_person_puts_the_referral_in_progress()
    {
        var accepted = Accepted();
        var afterNoAnswer = accepted.Then(ReferralDecider.Decide(accepted, new RecordContact(ByLinkWorkerService, "no-answer", At, At)));
        Assert.Equal(ReferralStatus.Accepted, afterNoAnswer.Status);

        var reached = afterNoAnswer.Then(ReferralDecider.Decide(afterNoAnswer, new RecordContact(ByLinkWorkerService, "reached", At, At)));
        Assert.Equal(ReferralStatus.InProgress, reached.Status);
    }

    [Fact]
    public void A_contact_before_acceptance_waits_for_the_acceptance() =>
        Assert.Throws<ReportedOutOfOrder>(() => ReferralDecider.Decide(Routed(), new RecordContact(ByLinkWorkerService, "reached", At, At)));

    [Fact]
    public void An_onward_referral_is_shown_then_received_when_the_provider_acknowledges()
    {
        var accepted = Accepted();
        var onwardId = Guid.NewGuid();
        var referred = accepted.Then(ReferralDecider.Decide(accepted, new AddOnwardReferral(ByLinkWorkerService, onwardId, Guid.NewGuid(), "Walking group", Provider, "Green Steps", At)));
        Assert.Equal(OnwardReferralStatus.Requested, Assert.Single(referred.OnwardReferrals).Status);
        Assert.Empty(ReferralDecider.Decide(referred, new AddOnwardReferral(ByLinkWorkerService, onwardId, Guid.NewGuid(), "Walking group", Provider, "Green Steps", At)));

        var byProvider = new Actor(Provider, OrganisationKind.CommunityProvider);
        var received = referred.Then(ReferralDecider.Decide(referred, new MarkOnwardReferralReceived(byProvider, onwardId, At)));
        Assert.Equal(OnwardReferralStatus.Received, Assert.Single(received.OnwardReferrals).Status);
        Assert.Empty(ReferralDecider.Decide(received, new MarkOnwardReferralReceived(byProvider, onwardId, At)));
    }

    [Fact]
    public void Only_the_provider_holding_an_onward_referral_can_acknowledge_it()
    {
        var accepted = Accepted();
        var onwardId = Guid.NewGuid();
        var referred = accepted.Then(ReferralDecider.Decide(accepted, new AddOnwardReferral(ByLinkWorkerService, onwardId, Guid.NewGuid(), "Walking group", Provider, "Green Steps", At)));
        Assert.Throws<RuleViolation>(() =>
            ReferralDecider.Decide(referred, new MarkOnwardReferralReceived(new Actor(Guid.NewGuid(), OrganisationKind.CommunityProvider), onwardId, At)));
    }

    [Fact]
    public void An_acknowledgement_for_an_unknown_onward_referral_waits() =>
        Assert.Throws<ReportedOutOfOrder>(() =>
            ReferralDecider.Decide(Accepted(), new MarkOnwardReferralReceived(new Actor(Provider, OrganisationKind.CommunityProvider), Guid.NewGuid(), At)));

    [Fact]
    public void Create_and_apply_leave_the_version_to_the_stream()
    {
        // Marten sets Version from the stream after each event; counting here would be a second source.
        var created = Referral.Create(new ReferralRequested(
            Guid.NewGuid(), Pathway.Gp, "liverpool-north", new Actor(Gp, OrganisationKind.GpPractice), "Riverside Surgery", ["loneliness"],
            Urgency.Routine, null, new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), null, null, null, null, null, null, null),
            new Consent(true, At, ShareWithReferrer.Full), At));
        var routed = created.Apply(new LinkWorkerServiceAssigned(created.Id, LinkWorkerService, "LN Link Workers", At));

        Assert.Equal(0, created.Version);
        Assert.Equal(0, routed.Version);
    }

    [Fact]
    public void Every_event_moves_the_version_on()
    {
        var accepted = Accepted();
        Assert.Equal(3, accepted.Version);
        Assert.False(accepted.IsPartyOf(Guid.NewGuid()));
        Assert.True(accepted.IsPartyOf(Gp));
    }
}
