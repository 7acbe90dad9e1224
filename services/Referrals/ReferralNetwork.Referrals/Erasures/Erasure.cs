using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Erasures;

/// <summary>The operator asked for a person's erasure: who, when and which referrals, never what identified them.</summary>
public sealed record ErasureRequested(Guid ErasureId, IReadOnlyList<Guid> ReferralIds, Actor By, DateTimeOffset At);

/// <summary>A service (this one included) reported its part of the erasure done.</summary>
public sealed record ErasureReported(Guid ErasureId, string Service, DateTimeOffset At);

/// <summary>
/// One erasure and how far it got in each service (partner-api.md §9), from the receipts every service
/// publishes, this one's included (<see cref="ErasureProgressConsumer"/>).
/// </summary>
public sealed record Erasure(
    Guid Id, IReadOnlyList<Guid> ReferralIds, Actor RequestedBy, DateTimeOffset RequestedAt, IReadOnlyDictionary<string, DateTimeOffset> Completed, long Version)
{
    /// <summary>Every service that holds anything about a person, by the name its receipts carry.</summary>
    public static readonly IReadOnlyList<string> Services = ["referrals", "linkworkers", "communityproviders", "feedback"];

    public bool IsCompleted => Services.All(Completed.ContainsKey);

    public DateTimeOffset? CompletedAt => IsCompleted ? Completed.Values.Max() : null;

    public static Erasure Create(ErasureRequested e) => new(e.ErasureId, e.ReferralIds, e.By, e.At, new Dictionary<string, DateTimeOffset>(), 0);

    public Erasure Apply(ErasureReported e) =>
        Completed.ContainsKey(e.Service) ? this : this with { Completed = new Dictionary<string, DateTimeOffset>(Completed) { [e.Service] = e.At } };
}
