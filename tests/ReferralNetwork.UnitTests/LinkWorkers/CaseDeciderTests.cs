using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.EventSourcing;

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
        var accepted = Opened().After(CaseDecider.Accept(Opened(), Sam, At));
        Assert.Equal(ReferralStatus.Accepted, accepted.Status);
        Assert.Equal(Sam.Id, accepted.LinkWorkerId);
        Assert.True(accepted.IsActive);
    }

    [Fact]
    public void An_accepted_case_cannot_be_accepted_again()
    {
        var accepted = Opened().After(CaseDecider.Accept(Opened(), Sam, At));
        Assert.Throws<RuleViolation>(() => CaseDecider.Accept(accepted, Sam, At));
    }

    [Fact]
    public void A_link_worker_of_another_service_cannot_take_the_case() =>
        Assert.Throws<RuleViolation>(() => CaseDecider.Accept(Opened(), Sam with { LinkWorkerServiceId = Guid.NewGuid() }, At));

    [Fact]
    public void Contacts_need_an_accepted_case_and_reaching_the_person_starts_the_work()
    {
        Assert.Throws<RuleViolation>(() => CaseDecider.RecordContact(Opened(), "reached", At, At));

        var accepted = Opened().After(CaseDecider.Accept(Opened(), Sam, At));
        var tried = accepted.After(CaseDecider.RecordContact(accepted, "left-message", At, At));
        Assert.Equal(ReferralStatus.Accepted, tried.Status);
        var reached = tried.After(CaseDecider.RecordContact(tried, "reached", At, At));
        Assert.Equal(ReferralStatus.InProgress, reached.Status);
        Assert.Equal(2, reached.Contacts.Count);
    }

    [Fact]
    public void An_onward_referral_carries_only_what_the_provider_needs()
    {
        var accepted = Opened().After(CaseDecider.Accept(Opened(), Sam, At));
        var made = CaseDecider.ReferOn(accepted, Guid.NewGuid(), WalkingGroup, "Prefers mornings", At);

        Assert.Equal(WalkingGroup.ProviderId, made.ProviderId);
        Assert.Equal(new OnwardReferralPerson("Ada", "Lovelace", "07700900123", null, "phone", "en", "wheelchair"), made.Person);
    }

    [Fact]
    public void Onward_referrals_need_an_accepted_case_and_go_to_a_service_once()
    {
        Assert.Throws<RuleViolation>(() => CaseDecider.ReferOn(Opened(), Guid.NewGuid(), WalkingGroup, null, At));

        var accepted = Opened().After(CaseDecider.Accept(Opened(), Sam, At));
        var referred = accepted.After(CaseDecider.ReferOn(accepted, Guid.NewGuid(), WalkingGroup, null, At));
        Assert.Throws<RuleViolation>(() => CaseDecider.ReferOn(referred, Guid.NewGuid(), WalkingGroup, null, At));
    }
}
