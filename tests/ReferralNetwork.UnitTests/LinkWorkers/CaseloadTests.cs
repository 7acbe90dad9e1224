using ReferralNetwork.Contracts;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.UnitTests.EventSourcing;

namespace ReferralNetwork.UnitTests.LinkWorkers;

public class CaseloadTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Service = Guid.NewGuid();

    private static LinkWorker Worker(string name, int max) => new(Guid.NewGuid(), Service, name, max, Now.AddYears(-2));

    /// <summary>A case the worker accepted <paramref name="daysAgo"/> days ago, then closed or still held.</summary>
    private static Case AcceptedBy(LinkWorker worker, int daysAgo, bool closed = false)
    {
        var at = Now.AddDays(-daysAgo);
        var opened = Case.Create(new CaseOpened(Guid.NewGuid(), Service, "LN Link Workers", Pathway.Gp, "liverpool-north", Guid.NewGuid(), "Riverside Surgery",
            ["loneliness"], Urgency.Routine, null, new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), null, null, null, null, null, null, null), at));
        var accepted = opened.Then(CaseDecider.Decide(opened, new AcceptCase(worker, at)));
        return closed ? accepted.Then(CaseDecider.Decide(accepted, new CloseCase(CaseOutcome.GoalsMet, "Done.", at.AddDays(1)))) : accepted;
    }

    [Fact]
    public void People_per_year_counts_cases_taken_on_in_the_last_365_days_whether_open_or_closed()
    {
        var sam = Worker("Sam", 20);
        var cases = new[] { AcceptedBy(sam, 10), AcceptedBy(sam, 200, closed: true), AcceptedBy(sam, 364, closed: true), AcceptedBy(sam, 366, closed: true),
            AcceptedBy(Worker("Bea", 20), 5) };

        var view = Caseload.For(sam, cases, Now);

        Assert.Equal(1, view.ActiveCases);
        Assert.Equal(3, view.PeoplePerYear);
        Assert.Equal(250, view.PeoplePerYearGuidance);
        Assert.False(view.OverGuidance);
        Assert.True(view.HasRoom);
    }

    [Fact]
    public void More_than_250_people_a_year_is_flagged_and_a_full_caseload_has_no_room()
    {
        var sam = Worker("Sam", 1);
        var cases = Enumerable.Range(0, 251).Select(i => AcceptedBy(sam, i % 300, closed: i > 0)).ToList();

        var view = Caseload.For(sam, cases, Now);

        Assert.Equal(251, view.PeoplePerYear);
        Assert.True(view.OverGuidance);
        Assert.Equal(1, view.ActiveCases);
        Assert.False(view.HasRoom);
        Assert.False(Caseload.For(sam, cases.Skip(1), Now).OverGuidance);
    }

    [Fact]
    public void The_least_loaded_link_worker_with_room_is_chosen_by_share_of_their_maximum()
    {
        var views = new[]
        {
            new LinkWorkerView(Guid.NewGuid(), "Full Fay", 2, 2, 10, 250, false, false),
            new LinkWorkerView(Guid.NewGuid(), "Half Hal", 10, 5, 10, 250, false, true),
            new LinkWorkerView(Guid.NewGuid(), "Quarter Quin", 20, 5, 10, 250, false, true),
            new LinkWorkerView(Guid.NewGuid(), "Quarter Quo", 4, 1, 10, 250, false, true),
        };

        Assert.Equal("Quarter Quo", Caseload.LeastLoadedWithRoom(views)!.Name); // a quarter each; fewer cases wins
        Assert.Null(Caseload.LeastLoadedWithRoom([views[0]]));
    }
}
