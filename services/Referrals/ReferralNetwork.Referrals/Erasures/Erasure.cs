using ReferralNetwork.Contracts;
using ReferralNetwork.Messaging.Erasure;

namespace ReferralNetwork.Referrals.Erasures;

/// <summary>The operator asked for a person's erasure: who, when and which referrals, never what identified them.</summary>
public sealed record ErasureRequested(Guid ErasureId, IReadOnlyList<Guid> ReferralIds, Actor By, DateTimeOffset At);

/// <summary>Another service reported its part of the erasure done.</summary>
public sealed record ErasureReported(Guid ErasureId, string Service, DateTimeOffset At);

/// <summary>
/// One erasure and how far it got in each service (partner-api.md §9). This service's own part arrives as
/// the receipt every service records (<see cref="PersonErasureCarriedOut"/>), on this stream.
/// </summary>
public sealed record Erasure(
    Guid Id, IReadOnlyList<Guid> ReferralIds, Actor RequestedBy, DateTimeOffset RequestedAt, IReadOnlyDictionary<string, DateTimeOffset> Completed, long Version)
{
    /// <summary>Every service that holds anything about a person, by the name its receipts carry.</summary>
    public static readonly IReadOnlyList<string> Services = ["referrals", "linkworkers", "communityproviders", "feedback"];

    public bool IsCompleted => Services.All(Completed.ContainsKey);

    public DateTimeOffset? CompletedAt => IsCompleted ? Completed.Values.Max() : null;

    public static Erasure Create(ErasureRequested e) => new(e.ErasureId, e.ReferralIds, e.By, e.At, new Dictionary<string, DateTimeOffset>(), 0);

    public Erasure Apply(ErasureReported e) => Done(e.Service, e.At);

    public Erasure Apply(PersonErasureCarriedOut e) => Done(e.Service, e.At);

    private Erasure Done(string service, DateTimeOffset at) =>
        Completed.ContainsKey(service) ? this : this with { Completed = new Dictionary<string, DateTimeOffset>(Completed) { [service] = at } };
}
