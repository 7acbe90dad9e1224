using System.Text.RegularExpressions;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Contracts.Erasure;
using ReferralNetwork.Contracts.Feedback;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.Contracts.Organisations;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.AppHost;

/// <summary>A service's receive queue and every message type its consumers take from it.</summary>
public sealed record ConsumerQueue(string Name, params Type[] Consumes);

/// <summary>
/// What one service may do on the broker: the RabbitMQ permissions of its own broker user. A service
/// owns the queues and exchanges named after it (<c>feedback-…</c>: its receive endpoints, their
/// <c>_error</c>, <c>_skipped</c> and <c>_wait</c> queues, its bus endpoint); it publishes the integration events of
/// its own context (the exchanges <c>ReferralNetwork.Contracts.&lt;Context&gt;:&lt;Event&gt;</c>);
/// and it binds its queues to the exchanges of the events it consumes, and to no others. See
/// docs/security.md, "Broker trust". The queues are also what the AppHost declares before any service
/// starts (<see cref="BrokerTopology"/>), so nothing published early finds a queue missing.
/// </summary>
/// <param name="User">The service's name, which is also its broker user and the prefix of its queues (<c>AddMessaging(name, …)</c>).</param>
/// <param name="PublishedNamespace">The contracts namespace of the events its relay publishes.</param>
/// <param name="Queues">Its consumers' queues and what each consumes; a consumer of a type not listed cannot bind its queue (ACCESS_REFUSED).</param>
/// <param name="AlsoPublishes">Events of no one context it publishes besides its own: the erasure's, which every service holding a person takes part in.</param>
public sealed record BrokerAccess(string User, string PublishedNamespace, IReadOnlyList<ConsumerQueue> Queues, IReadOnlyList<Type> AlsoPublishes)
{
    /// <summary>What every service that holds a person consumes for an erasure (partner-api.md §9).</summary>
    private static ConsumerQueue TakesPartInErasure(string user) => new($"{user}-person-erasure", typeof(PersonErasureRequested));

    /// <summary>What every service that holds a person publishes for an erasure.</summary>
    private static readonly Type[] ReportsErasure = [typeof(PersonErasureCompleted)];

    public static readonly BrokerAccess Referrals = new("referrals", "ReferralNetwork.Contracts.Referrals",
    [
        new("referrals-referral-updates",
            typeof(ReferralRouted), typeof(ReferralAccepted), typeof(ContactAttempted), typeof(OnwardReferralRequested),
            typeof(ReferralRejected), typeof(ReferralPutOnHold), typeof(ReferralResumed), typeof(ReferralClosed),
            typeof(OnwardReferralWithdrawn), typeof(OnwardReferralAcknowledged), typeof(OnwardReferralProgressed), typeof(OutcomeRecorded)),
        new("referrals-served-areas", typeof(OrganisationRegistered)),
        new("referrals-erasure-progress", typeof(PersonErasureCompleted)),
        TakesPartInErasure("referrals"),
    ], [.. ReportsErasure, typeof(PersonErasureRequested)]);

    public static readonly BrokerAccess LinkWorkers = new("linkworkers", "ReferralNetwork.Contracts.LinkWorkers",
    [
        new("linkworkers-routing", typeof(ReferralRequested), typeof(ReferralCancelled), typeof(OrganisationRegistered)),
        new("linkworkers-community-service-listed", typeof(CommunityServiceListed)),
        new("linkworkers-onward-referral-arrived", typeof(OnwardReferralArrived)),
        new("linkworkers-onward-referral-acknowledged", typeof(OnwardReferralAcknowledged)),
        new("linkworkers-onward-referral-progressed", typeof(OnwardReferralProgressed)),
        TakesPartInErasure("linkworkers"),
    ], ReportsErasure);

    public static readonly BrokerAccess CommunityProviders = new("communityproviders", "ReferralNetwork.Contracts.CommunityProviders",
    [
        new("communityproviders-inbox", typeof(OnwardReferralRequested), typeof(OnwardReferralWithdrawn)),
        TakesPartInErasure("communityproviders"),
    ], ReportsErasure);

    public static readonly BrokerAccess Feedback = new("feedback", "ReferralNetwork.Contracts.Feedback",
    [
        new("feedback-referral-journeys",
            typeof(ReferralRequested), typeof(ReferralCancelled), typeof(ReferralRouted), typeof(ReferralAccepted), typeof(ContactAttempted),
            typeof(ReferralRejected), typeof(ReferralPutOnHold), typeof(ReferralResumed), typeof(ReferralClosed), typeof(OnwardReferralRequested),
            typeof(OnwardReferralWithdrawn), typeof(OnwardReferralAcknowledged), typeof(OnwardReferralProgressed)),
        new("feedback-community-service-listed", typeof(CommunityServiceListed)),
        TakesPartInErasure("feedback"),
    ], ReportsErasure);

    /// <summary>The gateway publishes the registry's events and consumes nothing.</summary>
    public static readonly BrokerAccess Gateway = new("gateway", "ReferralNetwork.Contracts.Organisations", [], []);

    public static IReadOnlyList<BrokerAccess> All { get; } = [Referrals, LinkWorkers, CommunityProviders, Feedback, Gateway];

    /// <summary>Every message type its consumers consume, on whichever queue.</summary>
    public IReadOnlyList<Type> Consumes => [.. Queues.SelectMany(q => q.Consumes).Distinct()];

    /// <summary>
    /// The exchange MassTransit publishes a message type to and binds its consumers' queues from:
    /// <c>Namespace:Name</c> (its RabbitMQ entity name for a non-generic type).
    /// </summary>
    public static string ExchangeOf(Type messageType) => $"{messageType.Namespace}:{messageType.Name}";

    /// <summary>
    /// <c>configure</c>: its own queues and exchanges and those of the events it publishes, which
    /// MassTransit declares before use; and the exchanges it binds from, because MassTransit declares
    /// an exchange (never passively) before binding from it and RabbitMQ asks for <c>configure</c>
    /// even when the exchange exists. <c>write</c>: its own (to bind into them, and to move a failed
    /// message to <c>_error</c>) and the events it publishes. <c>read</c>: its own (to consume) and the
    /// events it consumes (to bind from them).
    /// </summary>
    public BrokerPermissions Permissions => new(
        Configure: Anchored([Own, Published, .. AlsoPublished, .. Consumed]),
        Write: Anchored([Own, Published, .. AlsoPublished]),
        Read: Anchored([Own, .. Consumed]));

    private string Own => Regex.Escape(User + "-") + ".*";

    private string Published => Regex.Escape(PublishedNamespace + ":") + ".*";

    private IEnumerable<string> AlsoPublished => AlsoPublishes.Select(ExchangeOf).Order(StringComparer.Ordinal).Select(Regex.Escape);

    private IEnumerable<string> Consumed => Consumes.Select(ExchangeOf).Order(StringComparer.Ordinal).Select(Regex.Escape);

    private static string Anchored(IEnumerable<string> alternatives) => $"^({string.Join('|', alternatives)})$";
}
