using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals;

/// <summary>A move between two statuses, in wire names; <see cref="From"/> is <see cref="None"/> for a new referral or onward referral.</summary>
public sealed record StatusChange(string From, string To)
{
    public const string None = "none";
}

/// <summary>One event appended to a referral's stream and the referral after it, as Marten evolves it.</summary>
public sealed record JourneyStep(object Event, Referral After);

/// <summary>
/// What one change to a referral's stream adds to the journey metrics. Pure: from the state before
/// (null for a new referral) and each appended event with the state after it, so a save that moves
/// a status twice (held and resumed together) reports both moves. The states come from the
/// aggregate's own evolve; this only compares them. Durations come from the events' own times, so
/// they measure the journey, not when the messages happened to arrive.
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

    public static JourneyMeasurements Of(Referral? before, IReadOnlyList<JourneyStep> steps)
    {
        var submitted = new List<Pathway>();
        var statusChanges = new List<StatusChange>();
        var onwardStatusChanges = new List<StatusChange>();
        var timesToAcceptance = new List<TimeSpan>();
        var timesToAcknowledgement = new List<TimeSpan>();

        var state = before;
        foreach (var (@event, next) in steps)
        {
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
}
