namespace ReferralNetwork.Contracts.Erasure;

/// <summary>
/// The operator asked for a person to be erased (partner-api.md §9): every service removes them from
/// everything it holds about these referrals. Carries ids only, never what identifies the person.
/// </summary>
public sealed record PersonErasureRequested(Guid ErasureId, IReadOnlyList<Guid> ReferralIds, DateTimeOffset At);

/// <summary>
/// <paramref name="Service"/> has erased the person from its events, snapshots, read models and
/// idempotency records, and masks whatever still arrives about those referrals.
/// </summary>
public sealed record PersonErasureCompleted(Guid ErasureId, string Service, DateTimeOffset At);
