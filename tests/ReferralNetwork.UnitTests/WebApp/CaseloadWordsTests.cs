using ReferralNetwork.Web.Caseload;
using Xunit;

namespace ReferralNetwork.UnitTests.WebApp;

public class CaseloadWordsTests
{
    private static readonly Guid Me = Guid.NewGuid();

    [Theory]
    [InlineData("case.opened", "Routed to this service (gp, routine)", "Referral received")]
    [InlineData("case.accepted", "Accepted for link worker Sam Jones", "Accepted for link worker Sam Jones")]
    [InlineData("case.contact-recorded", "Contact: no-answer", "Contact recorded: no answer")]
    [InlineData("case.contact-recorded", "Contact: left-message", "Contact recorded: left a message")]
    [InlineData("case.rejected", "Rejected: out-of-area", "Turned down: the person lives outside our area")]
    [InlineData("case.closed", "Closed: completed, goals-met", "Closed: their goals were met")]
    [InlineData("case.closed", "Closed: failed, disengaged", "Closed: they stopped taking part")]
    [InlineData("case.onward-referral-progressed", "Stanley Park walking group: in-progress", "Stanley Park walking group: attending")]
    [InlineData("case.onward-referral-progressed", "Stanley Park walking group: requested", "Stanley Park walking group: sent, not yet acknowledged")]
    [InlineData("case.resumed", "Resumed (in-progress)", "Taken off hold")]
    [InlineData("case.something-new", "A step we do not know yet", "A step we do not know yet")]
    public void A_timeline_step_is_said_in_words_not_codes(string type, string summary, string words) =>
        Assert.Equal(words, CaseloadWords.Step(type, summary));

    [Fact]
    public void A_code_the_words_do_not_know_is_shown_as_it_came_rather_than_lost() =>
        Assert.Equal("Contact recorded: by-carrier-pigeon", CaseloadWords.Step("case.contact-recorded", "Contact: by-carrier-pigeon"));

    [Fact]
    public void The_person_signed_in_reads_their_own_steps_as_theirs() =>
        Assert.Equal("by you (Grace Hopper)", CaseloadWords.StepBy(new TimelineActor(Guid.NewGuid(), "link-worker-service", Me), Me, "Grace Hopper"));

    [Theory]
    [InlineData("link-worker-service", "by a person of this link-worker service")]
    [InlineData("provider", "by a person of the provider")]
    [InlineData("referrer", "by a person of the referrer")]
    public void Another_persons_step_names_their_organisations_role_not_them(string role, string words) =>
        Assert.Equal(words, CaseloadWords.StepBy(new TimelineActor(Guid.NewGuid(), role, Guid.NewGuid()), Me, "Grace Hopper"));

    [Fact]
    public void A_colleagues_step_names_them_when_the_services_people_are_known_but_never_another_organisations_person()
    {
        var colleague = Guid.NewGuid();
        var known = new Dictionary<Guid, string> { [colleague] = "Sam Jones" };
        Assert.Equal("by Sam Jones", CaseloadWords.StepBy(new TimelineActor(Guid.NewGuid(), "link-worker-service", colleague), Me, "Grace Hopper", known));
        Assert.Equal("by a person of the provider", CaseloadWords.StepBy(new TimelineActor(Guid.NewGuid(), "provider", colleague), Me, "Grace Hopper", known));
    }

    [Fact]
    public void A_step_no_person_took_was_the_organisations_system() =>
        Assert.Equal("by the provider's system", CaseloadWords.StepBy(new TimelineActor(Guid.NewGuid(), "provider", null), Me, "Grace Hopper"));

    [Theory]
    [InlineData("requested", "New")]
    [InlineData("in-progress", "In touch")]
    [InlineData("on-hold", "On hold")]
    [InlineData("failed", "Closed: not engaged")]
    public void A_status_is_said_in_words(string status, string words) => Assert.Equal(words, CaseloadWords.Status(status));

    [Fact]
    public void Every_status_has_words_and_a_tag_of_its_own()
    {
        foreach (var status in Enum.GetValues<ReferralNetwork.Contracts.ReferralStatus>().Select(s => ReferralNetwork.Contracts.WireNames.ToWire(s)))
        {
            Assert.NotEqual(status, CaseloadWords.Status(status));
            Assert.NotEqual("nhsuk-tag--white", CaseloadWords.Tag(status));
        }
    }

    [Fact]
    public void The_barriers_offered_are_the_ones_the_network_knows() =>
        Assert.Equal(ReferralNetwork.LinkWorkers.Cases.Barriers.All, CaseloadWords.Barriers.Select(b => b.Code));

    [Fact]
    public void The_outcomes_and_reasons_offered_are_the_networks() =>
        Assert.Multiple(
            () => Assert.Equal(Enum.GetValues<ReferralNetwork.LinkWorkers.Cases.CaseOutcome>().Select(o => ReferralNetwork.Contracts.WireNames.ToWire(o)), CaseloadWords.Outcomes.Select(o => o.Code)),
            () => Assert.Equal(Enum.GetValues<ReferralNetwork.LinkWorkers.Cases.RejectionReason>().Select(o => ReferralNetwork.Contracts.WireNames.ToWire(o)), CaseloadWords.RejectionReasons.Select(o => o.Code)),
            () => Assert.Equal(ReferralNetwork.LinkWorkers.Cases.ContactOutcomes.All, CaseloadWords.ContactOutcomes.Select(o => o.Code)));

    [Theory]
    [InlineData(5, 12, "none", "5 of 12 places free")]
    [InlineData(0, 12, "1-3-months", "No places free now (waiting time 1 to 3 months)")]
    public void Places_are_said_with_the_wait_when_there_are_none(int available, int maximum, string waitlist, string words) =>
        Assert.Equal(words, CaseloadWords.Places(new MatchCapacity(available, maximum, waitlist)));

    [Theory]
    [InlineData(10, "under an hour")]
    [InlineData(60, "1 hour")]
    [InlineData(47 * 60, "47 hours")]
    [InlineData(3 * 24 * 60 + 5, "3 days")]
    public void A_wait_is_said_in_its_largest_whole_unit(int minutes, string words)
    {
        var now = new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal(words, CaseloadWords.Waited(now.AddMinutes(-minutes), now));
    }
}
