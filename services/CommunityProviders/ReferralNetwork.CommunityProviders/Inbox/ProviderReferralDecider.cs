using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.CommunityProviders.Inbox;

/// <summary>
/// Pure decisions on an onward referral at its provider: given its state and a command, the events
/// that follow, or <see cref="RuleViolation"/> (409) when the state does not allow the command.
/// </summary>
public static class ProviderReferralDecider
{
    /// <summary>Acknowledging says "we have it": only a newly requested onward referral can be acknowledged.</summary>
    public static OnwardReferralAcknowledged Acknowledge(ProviderReferral current, DateTimeOffset now) =>
        current.Status == OnwardReferralStatus.Requested
            ? new OnwardReferralAcknowledged(current.Id, current.ReferralId, current.ProviderId, now)
            : throw new RuleViolation($"This onward referral is {current.Status.ToWire()}; only a requested one can be acknowledged.");

    public static IReadOnlyList<object> Accept(ProviderReferral current, DateTimeOffset now) =>
        [.. AcknowledgedFirst(current, "accepted", now), new OnwardReferralAccepted(current.Id, current.ReferralId, current.ProviderId, now)];

    public static IReadOnlyList<object> Reject(ProviderReferral current, RejectionReason reason, string? note, DateTimeOffset now) =>
        [.. AcknowledgedFirst(current, "rejected", now), new OnwardReferralRejected(current.Id, current.ReferralId, current.ProviderId, reason, note, now)];

    /// <summary>Every attendance is kept (non-attendance matters to the link worker); the first attended one starts the work.</summary>
    public static IReadOnlyList<object> RecordAttendance(ProviderReferral current, DateOnly date, bool attended, DateTimeOffset now)
    {
        Require(current, "have attendance recorded", OnwardReferralStatus.Accepted, OnwardReferralStatus.InProgress);
        var after = attended ? OnwardReferralStatus.InProgress : current.Status;
        return [new AttendanceRecorded(current.Id, current.ReferralId, current.ProviderId, date, attended, after, now)];
    }

    public static IReadOnlyList<object> Complete(ProviderReferral current, string summary, DateTimeOffset now)
    {
        Require(current, "be completed", OnwardReferralStatus.InProgress);
        return [new OnwardReferralCompleted(current.Id, current.ReferralId, current.ProviderId, summary, now)];
    }

    public static IReadOnlyList<object> Fail(ProviderReferral current, string reason, DateTimeOffset now)
    {
        Require(current, "be failed", OnwardReferralStatus.Accepted, OnwardReferralStatus.InProgress);
        return [new OnwardReferralFailed(current.Id, current.ReferralId, current.ProviderId, reason, now)];
    }

    /// <summary>
    /// The link-worker side withdrew it. An open one is cancelled; a finished one stays as it is (the
    /// provider's answer stands), and so does one already cancelled, so a redelivery changes nothing.
    /// </summary>
    public static IReadOnlyList<object> Cancel(ProviderReferral current, string reason, DateTimeOffset at) =>
        IsOpen(current.Status) ? [new OnwardReferralCancelled(current.Id, current.ReferralId, current.ProviderId, reason, at)] : [];

    public static bool IsOpen(OnwardReferralStatus status) =>
        status is OnwardReferralStatus.Requested or OnwardReferralStatus.Received or OnwardReferralStatus.Accepted or OnwardReferralStatus.InProgress;

    /// <summary>The state after <paramref name="events"/>, as the snapshot projection will store it.</summary>
    public static ProviderReferral Replay(ProviderReferral current, IEnumerable<object> events) =>
        events.Aggregate(current, (state, e) => e switch
        {
            OnwardReferralAcknowledged x => state.Apply(x),
            OnwardReferralAccepted x => state.Apply(x),
            OnwardReferralRejected x => state.Apply(x),
            AttendanceRecorded x => state.Apply(x),
            OnwardReferralCompleted x => state.Apply(x),
            OnwardReferralFailed x => state.Apply(x),
            OnwardReferralReminded x => state.Apply(x),
            OnwardReferralEscalated x => state.Apply(x),
            OnwardReferralExpired x => state.Apply(x),
            OnwardReferralCancelled x => state.Apply(x),
            _ => throw new ArgumentException($"{e.GetType().Name} does not change an onward referral once it has arrived.", nameof(events)),
        });

    // Accepting or rejecting straight from the inbox still records the acknowledgement, so the
    // referrer sees received before the answer and the acknowledgement deadline stops.
    private static IReadOnlyList<object> AcknowledgedFirst(ProviderReferral current, string verb, DateTimeOffset now) => current.Status switch
    {
        OnwardReferralStatus.Requested => [Acknowledge(current, now)],
        OnwardReferralStatus.Received => [],
        _ => throw new RuleViolation($"This onward referral is {current.Status.ToWire()}; only a requested or received one can be {verb}."),
    };

    private static void Require(ProviderReferral current, string toBe, params OnwardReferralStatus[] allowed)
    {
        if (!allowed.Contains(current.Status))
        {
            throw new RuleViolation(
                $"This onward referral is {current.Status.ToWire()}; only {string.Join(" or ", allowed.Select(s => s.ToWire()))} ones can {toBe}.");
        }
    }
}
