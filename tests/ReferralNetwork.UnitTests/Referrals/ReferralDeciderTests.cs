using ReferralNetwork.Contracts;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.UnitTests.Referrals;

public class ReferralDeciderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Gp = Guid.NewGuid();
    private static readonly Guid LinkWorkerService = Guid.NewGuid();
    private static readonly Actor ByLinkWorkerService = new(LinkWorkerService, OrganisationKind.LinkWorkerService);
    private static readonly Guid Provider = Guid.NewGuid();

    private static Referral Requested() => Referral.Create(new ReferralRequested(
        Guid.NewGuid(), Pathway.Gp, "liverpool-north", new Actor(Gp, OrganisationKind.GpPractice), "Riverside Surgery", ["loneliness"],
        Urgency.Routine, null, new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), null, null, null, null, null, null, null),
        new Consent(true, At, ShareWithReferrer.Full), At));

    private static Referral Evolve(Referral referral, IEnumerable<object> events) => events.Aggregate(referral, (r, e) => e switch
    {
        LinkWorkerServiceAssigned x => r.Apply(x),
        LinkWorkerAssigned x => r.Apply(x),
        ContactAttemptRecorded x => r.Apply(x),
        OnwardReferralAdded x => r.Apply(x),
        OnwardReferralReceived x => r.Apply(x),
        _ => throw new InvalidOperationException(),
    });

    private static Referral Routed() => Evolve(Requested(), ReferralDecider.AssignLinkWorkerService(Requested(), LinkWorkerService, "LN Link Workers", At));

    private static Referral Accepted()
    {
        var routed = Routed();
        return Evolve(routed, ReferralDecider.AssignLinkWorker(routed, ByLinkWorkerService, Guid.NewGuid(), "Sam", At));
    }

    [Fact]
    public void Routing_assigns_the_link_worker_service_once()
    {
        var routed = Routed();
        Assert.Equal(LinkWorkerService, routed.LinkWorkerServiceId);
        Assert.True(routed.IsPartyOf(LinkWorkerService));
        Assert.Empty(ReferralDecider.AssignLinkWorkerService(routed, LinkWorkerService, "LN Link Workers", At));
        Assert.Throws<RuleViolation>(() => ReferralDecider.AssignLinkWorkerService(routed, Guid.NewGuid(), "Elsewhere", At));
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
        Assert.Empty(ReferralDecider.AssignLinkWorker(accepted, ByLinkWorkerService, accepted.LinkWorker!.Id, "Sam", At));
    }

    [Fact]
    public void Acceptance_by_another_service_is_refused() =>
        Assert.Throws<RuleViolation>(() => ReferralDecider.AssignLinkWorker(Routed(), new Actor(Guid.NewGuid(), OrganisationKind.LinkWorkerService), Guid.NewGuid(), "X", At));

    [Fact]
    public void Acceptance_before_routing_waits_for_the_routing() =>
        Assert.Throws<ReportedOutOfOrder>(() => ReferralDecider.AssignLinkWorker(Requested(), ByLinkWorkerService, Guid.NewGuid(), "Sam", At));

    [Fact]
    public void Reaching_the_person_puts_the_referral_in_progress()
    {
        var accepted = Accepted();
        var afterNoAnswer = Evolve(accepted, ReferralDecider.RecordContact(accepted, ByLinkWorkerService, "no-answer", At, At));
        Assert.Equal(ReferralStatus.Accepted, afterNoAnswer.Status);

        var reached = Evolve(afterNoAnswer, ReferralDecider.RecordContact(afterNoAnswer, ByLinkWorkerService, "reached", At, At));
        Assert.Equal(ReferralStatus.InProgress, reached.Status);
    }

    [Fact]
    public void A_contact_before_acceptance_waits_for_the_acceptance() =>
        Assert.Throws<ReportedOutOfOrder>(() => ReferralDecider.RecordContact(Routed(), ByLinkWorkerService, "reached", At, At));

    [Fact]
    public void An_onward_referral_is_shown_then_received_when_the_provider_acknowledges()
    {
        var accepted = Accepted();
        var onwardId = Guid.NewGuid();
        var referred = Evolve(accepted, ReferralDecider.AddOnwardReferral(accepted, ByLinkWorkerService, onwardId, Guid.NewGuid(), "Walking group", Provider, "Green Steps", At));
        Assert.Equal(OnwardReferralStatus.Requested, Assert.Single(referred.OnwardReferrals).Status);
        Assert.Empty(ReferralDecider.AddOnwardReferral(referred, ByLinkWorkerService, onwardId, Guid.NewGuid(), "Walking group", Provider, "Green Steps", At));

        var byProvider = new Actor(Provider, OrganisationKind.CommunityProvider);
        var received = Evolve(referred, ReferralDecider.MarkOnwardReferralReceived(referred, byProvider, onwardId, At));
        Assert.Equal(OnwardReferralStatus.Received, Assert.Single(received.OnwardReferrals).Status);
        Assert.Empty(ReferralDecider.MarkOnwardReferralReceived(received, byProvider, onwardId, At));
    }

    [Fact]
    public void Only_the_provider_holding_an_onward_referral_can_acknowledge_it()
    {
        var accepted = Accepted();
        var onwardId = Guid.NewGuid();
        var referred = Evolve(accepted, ReferralDecider.AddOnwardReferral(accepted, ByLinkWorkerService, onwardId, Guid.NewGuid(), "Walking group", Provider, "Green Steps", At));
        Assert.Throws<RuleViolation>(() =>
            ReferralDecider.MarkOnwardReferralReceived(referred, new Actor(Guid.NewGuid(), OrganisationKind.CommunityProvider), onwardId, At));
    }

    [Fact]
    public void An_acknowledgement_for_an_unknown_onward_referral_waits() =>
        Assert.Throws<ReportedOutOfOrder>(() =>
            ReferralDecider.MarkOnwardReferralReceived(Accepted(), new Actor(Provider, OrganisationKind.CommunityProvider), Guid.NewGuid(), At));

    [Fact]
    public void Every_event_moves_the_version_on()
    {
        var accepted = Accepted();
        Assert.Equal(3, accepted.Version);
        Assert.False(accepted.IsPartyOf(Guid.NewGuid()));
        Assert.True(accepted.IsPartyOf(Gp));
    }
}
