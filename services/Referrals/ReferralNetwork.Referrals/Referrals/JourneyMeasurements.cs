using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals;

/// <summary>A move between two statuses, in wire names; <see cref="From"/> is <see cref="None"/> for a new referral or onward referral.</summary>
public sealed record StatusChange(string From, string To)
{
    public const string None = "none";
}

/// <summary>
/// What one change to a referral's stream adds to the journey metrics. Pure: from the state before
/// (null for a new referral) and the events appended, walked one event at a time, so a save that moves
/// a status twice (held and resumed together) reports both moves. Durations come from the events'
/// own times, so they measure the journey, not when the messages happened to arrive.
/// </summary>
public sealed record JourneyMeasurements(
    IReadOnlyList<Pathway> Submitted,
    IReadOnlyList<StatusChange> StatusChanges,
    IReadOnlyList<StatusChange> OnwardStatusChanges,
    IReadOnlyList<TimeSpan> TimesToAcceptance,
    IReadOnlyList<TimeSpan> TimesToAcknowledgement)
{
    public bool IsEmpty => Submitted.Count == 0 && StatusChanges.Count == 0 && OnwardStatusChanges.Count == 0
        && TimesToAcceptance.Count == 0 && TimesToAcknowledgement.Count == 0;

    public static JourneyMeasurements Of(Referral? before, IReadOnlyList<object> events)
    {
        var submitted = new List<Pathway>();
        var statusChanges = new List<StatusChange>();
        var onwardStatusChanges = new List<StatusChange>();
        var timesToAcceptance = new List<TimeSpan>();
        var timesToAcknowledgement = new List<TimeSpan>();

        var state = before;
        foreach (var @event in events)
        {
            var next = Evolve(state, @event);
            if (state is null)
            {
                submitted.Add(next.Pathway);
                statusChanges.Add(new StatusChange(StatusChange.None, next.Status.ToWire()));
            }
            else if (state.Status != next.Status)
            {
                statusChanges.Add(new StatusChange(state.Status.ToWire(), next.Status.ToWire()));
                if (@event is LinkWorkerAssigned assigned && state.Status == ReferralStatus.Requested)
                {
                    timesToAcceptance.Add(Elapsed(next.CreatedAt, assigned.At));
                }
            }

            foreach (var onward in next.OnwardReferrals)
            {
                var was = state?.FindOnwardReferral(onward.Id);
                if (was is null)
                {
                    onwardStatusChanges.Add(new StatusChange(StatusChange.None, onward.Status.ToWire()));
                }
                else if (was.Status != onward.Status)
                {
                    onwardStatusChanges.Add(new StatusChange(was.Status.ToWire(), onward.Status.ToWire()));
                    if (@event is OnwardReferralReceived received && was.Status == OnwardReferralStatus.Requested && was.RequestedAt is { } requestedAt)
                    {
                        timesToAcknowledgement.Add(Elapsed(requestedAt, received.At));
                    }
                }
            }

            state = next;
        }

        return new JourneyMeasurements(submitted, statusChanges, onwardStatusChanges, timesToAcceptance, timesToAcknowledgement);
    }

    // The two times can come from different services' clocks; a few milliseconds of skew is not a negative wait.
    private static TimeSpan Elapsed(DateTimeOffset from, DateTimeOffset to) => to > from ? to - from : TimeSpan.Zero;

    /// <summary>The referral after <paramref name="event"/>, through the same Create and Apply methods Marten uses.</summary>
    private static Referral Evolve(Referral? state, object @event) => (state, @event) switch
    {
        (null, ReferralRequested e) => Referral.Create(e),
        (null, _) => throw new ArgumentException($"A referral stream starts with {nameof(ReferralRequested)}, not {@event.GetType().Name}."),
        (_, LinkWorkerServiceAssigned e) => state.Apply(e),
        (_, LinkWorkerAssigned e) => state.Apply(e),
        (_, ContactAttemptRecorded e) => state.Apply(e),
        (_, OnwardReferralAdded e) => state.Apply(e),
        (_, OnwardReferralReceived e) => state.Apply(e),
        (_, ReferralRejected e) => state.Apply(e),
        (_, ReferralPutOnHold e) => state.Apply(e),
        (_, ReferralResumed e) => state.Apply(e),
        (_, ReferralClosed e) => state.Apply(e),
        (_, ReferralCancelled e) => state.Apply(e),
        (_, ReferralMessagePosted e) => state.Apply(e),
        (_, MeasureRecorded e) => state.Apply(e),
        (_, OnwardReferralAccepted e) => state.Apply(e),
        (_, OnwardReferralRejected e) => state.Apply(e),
        (_, OnwardAttendanceRecorded e) => state.Apply(e),
        (_, OnwardReferralCompleted e) => state.Apply(e),
        (_, OnwardReferralFailed e) => state.Apply(e),
        (_, OnwardReferralReminded e) => state.Apply(e),
        (_, OnwardReferralEscalated e) => state.Apply(e),
        (_, OnwardReferralCancelled e) => state.Apply(e),
        _ => throw new ArgumentException($"The journey does not know {@event.GetType().Name}; add it next to its Apply method."),
    };
}
