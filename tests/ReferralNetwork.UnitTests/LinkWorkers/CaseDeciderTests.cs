using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.UnitTests.EventSourcing;

namespace ReferralNetwork.UnitTests.LinkWorkers;

public class CaseDeciderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Service = Guid.NewGuid();
    private static readonly LinkWorker Sam = new(Guid.NewGuid(), Service, "Sam", 10, At);

    private static Case Opened() => Case.Create(new CaseOpened(
        Guid.NewGuid(), Service, "LN Link Workers", Pathway.Gp, "liverpool-north", Guid.NewGuid(), "Riverside Surgery", ["loneliness"],
        Urgency.Routine, null,
        new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), "9434765919", "L1 8JQ", "07700900123", null, "phone", "en", "wheelchair"),
        At));

    private static readonly DirectoryListing WalkingGroup = new(
        Guid.NewGuid(), Guid.NewGuid(), "Green Steps", "Walking group", ["physical-activity"], "liverpool-north", "direct", 10, 4, At);

    [Fact]
    public void A_requested_case_is_accepted_by_a_link_worker_of_the_service()
    {
        var accepted = Opened().Then(CaseDecider.Decide(Opened(), new AcceptCase(Sam, At)));
        Assert.Equal(ReferralStatus.Accepted, accepted.Status);
        Assert.Equal(Sam.Id, accepted.LinkWorkerId);
        Assert.True(accepted.IsActive);
    }

    [Fact]
    public void A_case_is_referred_on_only_to_a_service_of_its_own_area()
    {
        var accepted = Opened().Then(CaseDecider.Decide(Opened(), new AcceptCase(Sam, At)));
        var elsewhere = WalkingGroup with { Id = Guid.NewGuid(), Area = "wirral" };
        var refused = Assert.Throws<InvalidCommand>(() => CaseDecider.Decide(accepted, new ReferOn(Guid.NewGuid(), elsewhere, null, At)));
        Assert.Equal("serviceId", refused.Field);
    }

    [Fact]
    public void An_accepted_case_cannot_be_accepted_again()
    {
        var accepted = Opened().Then(CaseDecider.Decide(Opened(), new AcceptCase(Sam, At)));
        Assert.Throws<RuleViolation>(() => CaseDecider.Decide(accepted, new AcceptCase(Sam, At)));
    }

    [Fact]
    public void A_link_worker_of_another_service_cannot_take_the_case() =>
        Assert.Throws<RuleViolation>(() => CaseDecider.Decide(Opened(), new AcceptCase(Sam with { LinkWorkerServiceId = Guid.NewGuid() }, At)));

    [Fact]
    public void Contacts_need_an_accepted_case_and_reaching_the_person_starts_the_work()
    {
        Assert.Throws<RuleViolation>(() => CaseDecider.Decide(Opened(), new RecordContact("reached", At, At)));

        var accepted = Opened().Then(CaseDecider.Decide(Opened(), new AcceptCase(Sam, At)));
        var tried = accepted.Then(CaseDecider.Decide(accepted, new RecordContact("left-message", At, At)));
        Assert.Equal(ReferralStatus.Accepted, tried.Status);
        var reached = tried.Then(CaseDecider.Decide(tried, new RecordContact("reached", At, At)));
        Assert.Equal(ReferralStatus.InProgress, reached.Status);
        Assert.Equal(2, reached.Contacts.Count);
    }

    [Fact]
    public void An_onward_referral_carries_only_what_the_provider_needs()
    {
        var accepted = Opened().Then(CaseDecider.Decide(Opened(), new AcceptCase(Sam, At)));
        var made = Assert.IsType<OnwardReferralMade>(Assert.Single(CaseDecider.Decide(accepted, new ReferOn(Guid.NewGuid(), WalkingGroup, "Prefers mornings", At))));

        Assert.Equal(WalkingGroup.ProviderId, made.ProviderId);
        Assert.Equal(new OnwardReferralPerson("Ada", "Lovelace", "07700900123", null, "phone", "en", "wheelchair"), made.Person);
    }

    [Fact]
    public void Onward_referrals_need_an_accepted_case_and_go_to_a_service_once()
    {
        Assert.Throws<RuleViolation>(() => CaseDecider.Decide(Opened(), new ReferOn(Guid.NewGuid(), WalkingGroup, null, At)));

        var accepted = Opened().Then(CaseDecider.Decide(Opened(), new AcceptCase(Sam, At)));
        var referred = accepted.Then(CaseDecider.Decide(accepted, new ReferOn(Guid.NewGuid(), WalkingGroup, null, At)));
        Assert.Throws<RuleViolation>(() => CaseDecider.Decide(referred, new ReferOn(Guid.NewGuid(), WalkingGroup, null, At)));
    }
}
