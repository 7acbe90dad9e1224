using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using ReferralNetwork.Contracts;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.UnitTests.EventSourcing;

namespace ReferralNetwork.UnitTests.Referrals;

/// <summary>The recorder steps a save through Marten's own aggregator, which needs no database for that.</summary>
public class JourneyRecorderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid LinkWorkerService = Guid.NewGuid();
    private static readonly Actor ByLinkWorkerService = new(LinkWorkerService, OrganisationKind.LinkWorkerService);

    private static ReferralRequested Request() => new(
        Guid.NewGuid(), Pathway.Gp, "liverpool-north", new Actor(Guid.NewGuid(), OrganisationKind.GpPractice), "Riverside Surgery", ["loneliness"],
        Urgency.Routine, null, new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), null, null, null, null, null, null, null),
        new Consent(true, At, ShareWithReferrer.Full), At);

    // Marten's wrapper for a pending event, as a session holds it before the save.
    private static IEvent AsStored(object data) => (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;

    private static DocumentStore Store() => DocumentStore.For(opts =>
    {
        // Never opened: aggregating events in memory reads nothing.
        opts.Connection("Host=localhost;Port=1;Database=unused;Username=unused;Password=unused");
        opts.Projections.Snapshot<Referral>(SnapshotLifecycle.Inline);
    });

    [Fact]
    public async Task A_save_is_stepped_event_by_event_through_the_referrals_own_create_and_apply()
    {
        using var store = Store();
        await using var session = store.QuerySession();
        var requested = Request();
        IReadOnlyList<object> events =
        [
            requested,
            new LinkWorkerServiceAssigned(requested.ReferralId, LinkWorkerService, "LN Link Workers", At),
            new LinkWorkerAssigned(requested.ReferralId, ByLinkWorkerService, Guid.NewGuid(), "Sam", At),
            new ReferralPutOnHold(requested.ReferralId, ByLinkWorkerService, "in hospital", At),
            new ReferralResumed(requested.ReferralId, ByLinkWorkerService, ReferralStatus.Accepted, At),
        ];

        var steps = await JourneyRecorder.StepAsync(
            JourneyRecorder.EvolverOf(store), session, null, events.Select(AsStored).ToList(), CancellationToken.None);

        Assert.Equal(events, steps.Select(s => s.Event));
        Assert.Equal(
            [ReferralStatus.Requested, ReferralStatus.Requested, ReferralStatus.Accepted, ReferralStatus.OnHold, ReferralStatus.Accepted],
            steps.Select(s => s.After.Status));
        var expected = Evolution.Start<Referral>(events[0], events.Skip(1));
        Assert.Equal((expected.LinkWorkerServiceId, expected.LinkWorker, expected.StatusBeforeHold), (steps[^1].After.LinkWorkerServiceId, steps[^1].After.LinkWorker, steps[^1].After.StatusBeforeHold));
    }

    [Fact]
    public async Task Stepping_from_a_stored_referral_leaves_that_state_as_it_was()
    {
        using var store = Store();
        await using var session = store.QuerySession();
        var before = Evolution.Start<Referral>(Request());

        var steps = await JourneyRecorder.StepAsync(
            JourneyRecorder.EvolverOf(store), session, before,
            [AsStored(new ReferralCancelled(before.Id, new Actor(before.ReferrerId, OrganisationKind.GpPractice), CancellationReason.Revoked, null, At))],
            CancellationToken.None);

        Assert.Equal(ReferralStatus.Cancelled, Assert.Single(steps).After.Status);
        Assert.Equal(ReferralStatus.Requested, before.Status);
    }
}
