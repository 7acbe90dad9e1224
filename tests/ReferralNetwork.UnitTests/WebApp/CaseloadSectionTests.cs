using ReferralNetwork.Web.Caseload;
using Xunit;

namespace ReferralNetwork.UnitTests.WebApp;

public class CaseloadSectionTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_case_to_take_next_is_at_the_top_priority_first_then_the_longest_waiting()
    {
        var oldRoutine = A("requested", "routine", hoursIn: 0);
        var newPriority = A("requested", "priority", hoursIn: 5);
        var oldPriority = A("requested", "priority", hoursIn: 1);
        var newRoutine = A("requested", "routine", hoursIn: 6);

        var waiting = CaseloadSection.Of([oldRoutine, newPriority, newRoutine, oldPriority]).Single(s => s.Waiting);

        Assert.Equal([oldPriority.Id, newPriority.Id, oldRoutine.Id, newRoutine.Id], waiting.Items.Select(c => c.Id));
    }

    [Fact]
    public void Held_cases_are_the_active_caseload_and_finished_ones_are_in_neither()
    {
        var accepted = A("accepted", "routine", 0);
        var inTouch = A("in-progress", "routine", 1);
        var onHold = A("on-hold", "routine", 2);
        var closed = A("completed", "routine", 3);
        var rejected = A("rejected", "routine", 4);

        var sections = CaseloadSection.Of([accepted, inTouch, onHold, closed, rejected]);

        Assert.Empty(sections.Single(s => s.Id == "waiting").Items);
        // The latest change first.
        Assert.Equal([onHold.Id, inTouch.Id, accepted.Id], sections.Single(s => s.Id == "active").Items.Select(c => c.Id));
        Assert.All(CaseloadSection.Statuses, s => Assert.DoesNotContain(s, new[] { "completed", "rejected", "failed", "cancelled" }));
    }

    [Fact]
    public void The_live_status_says_how_many_new_cases_arrived()
    {
        var now = new DateTimeOffset(2026, 7, 1, 9, 30, 5, TimeSpan.Zero);
        Assert.Equal("2 new cases arrived. Up to date at 10:30:05.", CaseloadSection.LiveStatus(2, now));
        Assert.Equal("1 new case arrived. Up to date at 10:30:05.", CaseloadSection.LiveStatus(1, now));
        Assert.StartsWith("Up to date at 10:30:05.", CaseloadSection.LiveStatus(0, now));
    }

    private static Case A(string status, string urgency, int hoursIn) => new(
        Guid.NewGuid(), status, "gp", "Riverside Surgery", ["loneliness"], urgency, null,
        new CasePerson("Ada", "Lovelace", new DateOnly(1950, 12, 10), null, null, null, null, null, null, null),
        null, null, [], [], null, null, null, Start.AddHours(hoursIn), Start.AddHours(hoursIn), 1, null, null);
}
