using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals;

// What a party asks of a referral, or another service reports about it: one record per decision in
// ReferralDecider. At is when it happened (the reporter's time for reports, the clock for API calls).

public sealed record AssignLinkWorkerService(Guid ServiceId, string ServiceName, DateTimeOffset At);

public sealed record AssignLinkWorker(Actor By, Guid LinkWorkerId, string LinkWorkerName, DateTimeOffset At);

public sealed record RecordContact(Actor By, string Outcome, DateTimeOffset ContactedAt, DateTimeOffset At);

public sealed record AddOnwardReferral(
    Actor By, Guid OnwardReferralId, Guid ServiceId, string ServiceName, Guid ProviderId, string ProviderName, DateTimeOffset At);

public sealed record MarkOnwardReferralReceived(Actor By, Guid OnwardReferralId, DateTimeOffset At);

public sealed record RejectReferral(Actor By, string Reason, string? Note, DateTimeOffset At);

public sealed record PutReferralOnHold(Actor By, string? Note, DateTimeOffset At);

public sealed record ResumeReferral(Actor By, DateTimeOffset At);

public sealed record CloseReferral(Actor By, ReferralStatus Status, string Outcome, string Summary, DateTimeOffset At);

public sealed record CancelReferral(Actor By, CancellationReason Reason, string? Note, DateTimeOffset At);

public sealed record PostMessage(Actor By, string AuthorName, Guid MessageId, string Text, DateTimeOffset At);

public sealed record RecordMeasure(Guid OutcomeId, string Instrument, string Timepoint, IReadOnlyDictionary<string, decimal> Scores, DateTimeOffset At);

public sealed record AcceptOnwardReferral(Actor By, Guid OnwardReferralId, DateTimeOffset At);

public sealed record RejectOnwardReferral(Actor By, Guid OnwardReferralId, string Reason, string? Note, DateTimeOffset At);

public sealed record RecordAttendance(Actor By, Guid OnwardReferralId, DateOnly Date, bool Attended, DateTimeOffset At);

public sealed record CompleteOnwardReferral(Actor By, Guid OnwardReferralId, string? Summary, DateTimeOffset At);

public sealed record FailOnwardReferral(Actor By, Guid OnwardReferralId, string Reason, DateTimeOffset At);

public sealed record RemindAboutOnwardReferral(Actor By, Guid OnwardReferralId, DateTimeOffset At);

public sealed record EscalateOnwardReferral(Actor By, Guid OnwardReferralId, DateTimeOffset At);

public sealed record CancelOnwardReferral(Actor By, Guid OnwardReferralId, string Reason, DateTimeOffset At);
