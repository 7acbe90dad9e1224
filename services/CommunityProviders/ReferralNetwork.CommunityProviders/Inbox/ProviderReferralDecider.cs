using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.CommunityProviders.Inbox;

/// <summary>"We have it": stops the acknowledgement deadline.</summary>
public sealed record AcknowledgeOnwardReferral(DateTimeOffset Now);

public sealed record AcceptOnwardReferral(DateTimeOffset Now);

public sealed record RejectOnwardReferral(RejectionReason Reason, string? Note, DateTimeOffset Now);

/// <summary>Whether the person came to the session on <paramref name="Date"/>.</summary>
public sealed record RecordAttendance(DateOnly Date, bool Attended, DateTimeOffset Now);

public sealed record CompleteOnwardReferral(string Summary, DateTimeOffset Now);

public sealed record FailOnwardReferral(string Reason, DateTimeOffset Now);

/// <summary>The link-worker side withdrew it (not a provider's command: it arrives as a message).</summary>
public sealed record CancelOnwardReferral(string Reason, DateTimeOffset At);

/// <summary>
/// Pure decisions on an onward referral at its provider: given its state and a command, the events
/// that follow, or <see cref="RuleViolation"/> (409) when the state does not allow the command.
/// </summary>
public static class ProviderReferralDecider
{
    /// <summary>Only a newly requested onward referral can be acknowledged.</summary>
    public static IReadOnlyList<object> Decide(ProviderReferral current, AcknowledgeOnwardReferral command) =>
        current.Status == OnwardReferralStatus.Requested
            ? [new OnwardReferralAcknowledged(current.Id, current.ReferralId, current.ProviderId, command.Now)]
            : throw new RuleViolation($"This onward referral is {current.Status.ToWire()}; only a requested one can be acknowledged.");

    public static IReadOnlyList<object> Decide(ProviderReferral current, AcceptOnwardReferral command) =>
        [.. AcknowledgedFirst(current, "accepted", command.Now), new OnwardReferralAccepted(current.Id, current.ReferralId, current.ProviderId, command.Now)];

    public static IReadOnlyList<object> Decide(ProviderReferral current, RejectOnwardReferral command) =>
    [
        .. AcknowledgedFirst(current, "rejected", command.Now),
        new OnwardReferralRejected(current.Id, current.ReferralId, current.ProviderId, command.Reason, command.Note, command.Now),
    ];

    /// <summary>Every attendance is kept (non-attendance matters to the link worker); the first attended one starts the work.</summary>
    public static IReadOnlyList<object> Decide(ProviderReferral current, RecordAttendance command)
    {
        Require(current, "have attendance recorded", OnwardReferralStatus.Accepted, OnwardReferralStatus.InProgress);
        var after = command.Attended ? OnwardReferralStatus.InProgress : current.Status;
        return [new AttendanceRecorded(current.Id, current.ReferralId, current.ProviderId, command.Date, command.Attended, after, command.Now)];
    }

    public static IReadOnlyList<object> Decide(ProviderReferral current, CompleteOnwardReferral command)
    {
        Require(current, "be completed", OnwardReferralStatus.InProgress);
        return [new OnwardReferralCompleted(current.Id, current.ReferralId, current.ProviderId, command.Summary, command.Now)];
    }

    public static IReadOnlyList<object> Decide(ProviderReferral current, FailOnwardReferral command)
    {
        Require(current, "be failed", OnwardReferralStatus.Accepted, OnwardReferralStatus.InProgress);
        return [new OnwardReferralFailed(current.Id, current.ReferralId, current.ProviderId, command.Reason, command.Now)];
    }

    /// <summary>
    /// An open one is cancelled; a finished one stays as it is (the provider's answer stands), and so
    /// does one already cancelled, so a redelivery changes nothing.
    /// </summary>
    public static IReadOnlyList<object> Decide(ProviderReferral current, CancelOnwardReferral command) =>
        IsOpen(current.Status) ? [new OnwardReferralCancelled(current.Id, current.ReferralId, current.ProviderId, command.Reason, command.At)] : [];

    public static bool IsOpen(OnwardReferralStatus status) =>
        status is OnwardReferralStatus.Requested or OnwardReferralStatus.Received or OnwardReferralStatus.Accepted or OnwardReferralStatus.InProgress;

    // Accepting or rejecting straight from the inbox still records the acknowledgement, so the
    // referrer sees received before the answer and the acknowledgement deadline stops.
    private static IReadOnlyList<object> AcknowledgedFirst(ProviderReferral current, string verb, DateTimeOffset now) => current.Status switch
    {
        OnwardReferralStatus.Requested => Decide(current, new AcknowledgeOnwardReferral(now)),
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
