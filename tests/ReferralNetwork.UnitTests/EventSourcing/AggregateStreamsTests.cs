using JasperFx.Events;
using Marten;
using NSubstitute;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.UnitTests.EventSourcing;

/// <summary>The one write path: who may see the stream first, then the version, then the decision.</summary>
public class AggregateStreamsTests
{
    public sealed record Thing(Guid Id, Guid Owner, long Version);

    private sealed record Happened(Guid Id);

    private static readonly Guid Id = Guid.NewGuid();
    private static readonly Guid Owner = Guid.NewGuid();

    private readonly IDocumentSession session = Substitute.For<IDocumentSession>();
    private readonly IEventStream<Thing> stream = Substitute.For<IEventStream<Thing>>();

    public AggregateStreamsTests()
    {
        stream.Aggregate.Returns(new Thing(Id, Owner, 3));
        stream.StartingVersion.Returns(3L);
        stream.CurrentVersion.Returns(4L);
        session.Events.FetchForWriting<Thing>(Id, Arg.Any<CancellationToken>()).Returns(stream);
        session.Events.FetchForExclusiveWriting<Thing>(Id, Arg.Any<CancellationToken>()).Returns(stream);
        session.Events.FetchLatest<Thing>(Id, Arg.Any<CancellationToken>()).Returns(new Thing(Id, Owner, 4));
    }

    [Fact]
    public async Task A_decision_is_appended_saved_and_answered_with_the_state_and_version_after_it()
    {
        var changed = await session.ChangeAsync<Thing>(Id, 3, t => t.Owner == Owner, "thing", _ => [new Happened(Id)], default);

        Assert.Equal((new Thing(Id, Owner, 4), 4L), (changed.State, changed.Version));
        stream.Received(1).AppendMany(Arg.Is<IEnumerable<object>>(e => e.Single().Equals(new Happened(Id))));
        await session.Received(1).SaveChangesAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Someone_elses_stream_is_not_visible_whatever_version_they_name()
    {
        var decided = false;

        await Assert.ThrowsAsync<NotVisible>(() =>
            session.ChangeAsync<Thing>(Id, 99, t => t.Owner == Guid.NewGuid(), "thing", _ => { decided = true; return []; }, default));

        Assert.False(decided);
        await session.DidNotReceive().SaveChangesAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_missing_stream_is_not_visible()
    {
        stream.Aggregate.Returns((Thing?)null);

        await Assert.ThrowsAsync<NotVisible>(() => session.ChangeAsync<Thing>(Id, null, _ => true, "thing", _ => [], default));
    }

    [Fact]
    public async Task A_stale_expected_version_changes_nothing()
    {
        var refused = await Assert.ThrowsAsync<VersionMismatch>(() =>
            session.ChangeAsync<Thing>(Id, 2, t => t.Owner == Owner, "thing", _ => [new Happened(Id)], default));

        Assert.Contains("expected version 2 but it is at version 3", refused.Message);
        stream.DidNotReceiveWithAnyArgs().AppendMany(Arg.Any<IEnumerable<object>>());
        await session.DidNotReceive().SaveChangesAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Without_an_expected_version_a_queued_command_waits_for_the_streams_lock()
    {
        await session.ChangeAsync<Thing>(Id, null, _ => true, "thing", _ => Task.FromResult<IReadOnlyList<object>>([]), default, queueUnconditional: true);
        await session.Events.Received(1).FetchForExclusiveWriting<Thing>(Id, Arg.Any<CancellationToken>());

        // With If-Match the caller asked for the optimistic check instead.
        await session.ChangeAsync<Thing>(Id, 3, _ => true, "thing", _ => Task.FromResult<IReadOnlyList<object>>([]), default, queueUnconditional: true);
        await session.Events.Received(1).FetchForWriting<Thing>(Id, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_new_stream_starts_at_the_version_of_its_events()
    {
        var started = await session.StartAsync<Thing>(Id, [new Happened(Id)], default);

        Assert.Equal(1, started.Version);
        session.Events.Received(1).StartStream<Thing>(Id, Arg.Is<object[]>(e => e.Length == 1));
        await session.Received(1).SaveChangesAsync(Arg.Any<CancellationToken>());
    }
}
