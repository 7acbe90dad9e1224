using JasperFx.Events;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.LinkWorkers.Cases;

namespace ReferralNetwork.UnitTests.LinkWorkers;

public class CaseTimelineTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.NewGuid();
    private static readonly Guid Service = Guid.NewGuid();
    private static readonly Guid Gp = Guid.NewGuid();
    private static readonly Guid Provider = Guid.NewGuid();
    private static readonly Guid Onward = Guid.NewGuid();
    private static readonly Guid LinkWorkerPerson = Guid.NewGuid();
    private static readonly Guid ProviderPerson = Guid.NewGuid();

    private static IEvent Recorded(object data, long version, ActingPerson? by = null)
    {
        var e = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;
        e.Version = version;
        e.UserName = by?.ToString();
        return e;
    }

    private static IReadOnlyList<IEvent> Story() =>
    [
        Recorded(new CaseOpened(Id, Service, "North Link Workers", Pathway.Gp, "area", Gp, "Riverside Surgery", ["loneliness"], Urgency.Routine,
            "Recently bereaved.", new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), "9434765919", "L1 8JQ", null, null, "phone", "en", null), At),
            1, new ActingPerson(Gp, Guid.NewGuid())),
        Recorded(new CaseAccepted(Id, Service, Guid.NewGuid(), "Sam Jones", At), 2, new ActingPerson(Service, LinkWorkerPerson)),
        Recorded(new AssessmentRecorded(Id, Service, "Her garden and her grandson", ["loneliness"], ["gardening"], [], At), 3, new ActingPerson(Service, LinkWorkerPerson)),
        Recorded(new OnwardReferralMade(Id, Service, Onward, Guid.NewGuid(), "Green Steps walking", Provider, "Green Steps", "Mornings are best", ["physical-activity"],
            new OnwardReferralPerson("Ada", "Lovelace", null, null, null, null, null), At), 4, new ActingPerson(Service, LinkWorkerPerson)),
        Recorded(new OnwardReferralArrivalReported(Id, Service, Onward, At), 5),
        Recorded(new OnwardReferralStatusReported(Id, Service, Onward, OnwardReferralStatus.Accepted, null, At), 6, new ActingPerson(Provider, ProviderPerson)),
        Recorded(new CaseClosed(Id, Service, ReferralStatus.Completed, CaseOutcome.GoalsMet, "Walking weekly with her neighbour", At), 7),
    ];

    [Fact]
    public void Each_step_says_whose_it_was_and_who_took_it_for_that_organisation()
    {
        var timeline = CaseTimeline.From(Story());

        Assert.Equal(
            ["case.opened", "case.accepted", "case.assessment-recorded", "case.onward-referral-made", "case.onward-referral-arrived", "case.onward-referral-progressed", "case.closed"],
            timeline.Select(e => e.Type));
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], timeline.Select(e => e.Sequence));

        // Opened by routing, caused by a GP's person: not one of this service's people, so nobody is named.
        Assert.Equal(new CaseTimelineActor(Service, CaseTimeline.Service, null), timeline[0].By);
        Assert.Equal(new CaseTimelineActor(Service, CaseTimeline.Service, LinkWorkerPerson), timeline[1].By);
        Assert.Equal(new CaseTimelineActor(Provider, CaseTimeline.Provider, null), timeline[4].By);
        Assert.Equal(new CaseTimelineActor(Provider, CaseTimeline.Provider, ProviderPerson), timeline[5].By);
        Assert.Equal(new CaseTimelineActor(Service, CaseTimeline.Service, null), timeline[6].By);
        Assert.Equal("Green Steps walking: accepted", timeline[5].Summary);
    }

    [Fact]
    public void Nothing_about_the_person_and_no_free_text_is_in_it()
    {
        var text = string.Join("\n", CaseTimeline.From(Story()).Select(e => e.Summary));
        foreach (var personal in new[] { "Ada", "Lovelace", "9434765919", "L1 8JQ", "bereaved", "garden", "Mornings", "neighbour" })
        {
            Assert.DoesNotContain(personal, text, StringComparison.OrdinalIgnoreCase);
        }
    }
}
