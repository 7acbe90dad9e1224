using System.Reflection;
using System.Text.RegularExpressions;
using MassTransit;
using MassTransit.RabbitMqTransport;
using ReferralNetwork.AppHost;

namespace ReferralNetwork.UnitTests.AppHost;

public class BrokerAccessTests
{
    private static readonly Dictionary<string, Assembly> ServiceAssemblies = new()
    {
        ["referrals"] = typeof(ReferralNetwork.Referrals.Referrals.ReferralEvents).Assembly,
        ["linkworkers"] = typeof(ReferralNetwork.LinkWorkers.Cases.CaseEvents).Assembly,
        ["communityproviders"] = typeof(ReferralNetwork.CommunityProviders.ProviderEvents).Assembly,
        ["feedback"] = typeof(ReferralNetwork.Feedback.FeedbackEvents).Assembly,
        ["gateway"] = typeof(ReferralNetwork.Gateway.Organisations.OrganisationEvents).Assembly,
    };

    public static TheoryData<string> Services => [.. ServiceAssemblies.Keys];

    private static BrokerAccess Of(string user) => BrokerAccess.All.Single(a => a.User == user);

    [Theory]
    [MemberData(nameof(Services))]
    public void A_services_broker_user_may_bind_from_exactly_the_events_its_consumers_consume(string service)
    {
        var types = ServiceAssemblies[service].GetTypes().Where(t => t is { IsClass: true, IsAbstract: false }).ToList();
        // A service with an erasure also runs the shared erasure consumer (AddPersonErasure).
        if (types.Any(t => t.IsAssignableTo(typeof(ReferralNetwork.EventSourcing.IPersonErasure))))
        {
            types.Add(typeof(ReferralNetwork.Messaging.Erasure.PersonErasureConsumer));
        }

        var consumed = types
            .SelectMany(t => t.GetInterfaces())
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>))
            .Select(i => i.GetGenericArguments()[0])
            .Select(BrokerAccess.ExchangeOf)
            .ToHashSet();
        var granted = Of(service).Consumes.Select(BrokerAccess.ExchangeOf).ToHashSet();

        // A type consumed but not granted fails the service's start (ACCESS_REFUSED binding its queue);
        // one granted but not consumed lets a stolen credential read more than the service needs.
        Assert.True(consumed.SetEquals(granted),
            $"{service} consumes [{string.Join(", ", consumed.Except(granted))}] not in BrokerAccess, and BrokerAccess grants [{string.Join(", ", granted.Except(consumed))}] it does not consume.");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void The_queues_declared_for_a_service_are_the_ones_its_consumers_receive_from(string service)
    {
        // As AddMessaging names them: a consumer definition's endpoint name, else the consumer's name after the service's.
        var formatter = new KebabCaseEndpointNameFormatter(service, false);
        var inCode = ConsumersOf(service)
            .SelectMany(consumer => MessageTypesOf(consumer).Select(message => (Queue: QueueOf(consumer, formatter), Message: message)))
            .GroupBy(c => c.Queue)
            .ToDictionary(g => g.Key, g => g.Select(c => BrokerAccess.ExchangeOf(c.Message)).Order().ToList());
        var declared = Of(service).Queues.ToDictionary(q => q.Name, q => q.Consumes.Select(BrokerAccess.ExchangeOf).Order().ToList());

        Assert.Equal(Describe(inCode), Describe(declared));
    }

    private static string Describe(Dictionary<string, List<string>> queues) =>
        string.Join("\n", queues.OrderBy(q => q.Key, StringComparer.Ordinal).Select(q => $"{q.Key}: {string.Join(", ", q.Value)}"));

    private static List<Type> ConsumersOf(string service)
    {
        var consumers = ServiceAssemblies[service].GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && MessageTypesOf(t).Any())
            .ToList();
        // A service with an erasure also runs the shared erasure consumer (AddPersonErasure).
        if (ServiceAssemblies[service].GetTypes().Any(t => t.IsAssignableTo(typeof(ReferralNetwork.EventSourcing.IPersonErasure))))
        {
            consumers.Add(typeof(ReferralNetwork.Messaging.Erasure.PersonErasureConsumer));
        }
        return consumers;
    }

    private static IEnumerable<Type> MessageTypesOf(Type consumer) => consumer.GetInterfaces()
        .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>))
        .Select(i => i.GetGenericArguments()[0]);

    private static string QueueOf(Type consumer, IEndpointNameFormatter formatter)
    {
        var definition = consumer.Assembly.GetTypes().SingleOrDefault(t =>
            t.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == typeof(ConsumerDefinition<>) && b.GetGenericArguments()[0] == consumer);
        return definition is null
            ? (string)typeof(IEndpointNameFormatter).GetMethod(nameof(IEndpointNameFormatter.Consumer))!.MakeGenericMethod(consumer).Invoke(formatter, [])!
            : ((IConsumerDefinition)Activator.CreateInstance(definition)!).GetEndpointName(formatter);
    }

    [Fact]
    public void Every_integration_event_has_a_consumer_so_a_mandatory_publish_of_it_is_never_refused_for_good()
    {
        // The relay publishes with mandatory set and tries again while no queue is bound: an event nobody
        // consumes would hold its service's relay up for ever.
        var events = typeof(ReferralNetwork.Contracts.Referrals.ReferralCancelled).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.Namespace?.StartsWith("ReferralNetwork.Contracts.", StringComparison.Ordinal) == true
                && t.GetMethod("<Clone>$") is not null && t.GetProperty("At") is not null)
            .ToList();
        var consumed = BrokerAccess.All.SelectMany(a => a.Consumes).ToHashSet();
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.True(consumed.Contains(e), $"{e.Name} is published but no service consumes it."));
    }

    [Fact]
    public void The_exchange_of_a_message_type_is_the_one_MassTransit_uses_on_RabbitMQ()
    {
        var formatter = new RabbitMqMessageNameFormatter();
        foreach (var type in BrokerAccess.All.SelectMany(a => a.Consumes).Distinct())
        {
            Assert.Equal(formatter.GetMessageName(type), BrokerAccess.ExchangeOf(type));
        }
    }

    [Fact]
    public void Each_service_publishes_to_its_own_contexts_events_only()
    {
        var contracts = typeof(ReferralNetwork.Contracts.Referrals.ReferralCancelled).Assembly;
        foreach (var access in BrokerAccess.All)
        {
            Assert.Contains(contracts.GetTypes(), t => t.Namespace == access.PublishedNamespace);
        }
        Assert.Equal(BrokerAccess.All.Count, BrokerAccess.All.Select(a => a.PublishedNamespace).Distinct().Count());
        Assert.Equal(BrokerAccess.All.Count, BrokerAccess.All.Select(a => a.User).Distinct().Count());
    }

    [Theory]
    // Its own queues and exchanges, their error and skipped queues, and its bus endpoint.
    [InlineData("configure", "feedback-referral-journeys", true)]
    [InlineData("configure", "feedback-referral-journeys_error", true)]
    [InlineData("configure", "feedback-bus-0a1b2c", true)]
    [InlineData("read", "feedback-referral-journeys_skipped", true)]
    [InlineData("write", "feedback-referral-journeys_error", true)]
    // Its own context's events; the events it consumes, which MassTransit declares before binding from them.
    [InlineData("write", "ReferralNetwork.Contracts.Feedback:OutcomeRecorded", true)]
    [InlineData("configure", "ReferralNetwork.Contracts.Referrals:ReferralRequested", true)]
    [InlineData("read", "ReferralNetwork.Contracts.LinkWorkers:ReferralAccepted", true)]
    // Its part in an erasure: it hears the request and reports back; only the referral service asks.
    [InlineData("read", "ReferralNetwork.Contracts.Erasure:PersonErasureRequested", true)]
    [InlineData("write", "ReferralNetwork.Contracts.Erasure:PersonErasureCompleted", true)]
    [InlineData("write", "ReferralNetwork.Contracts.Erasure:PersonErasureRequested", false)]
    // Never another context's events, another service's queues, the default exchange or what it does not consume.
    [InlineData("write", "ReferralNetwork.Contracts.LinkWorkers:ReferralAccepted", false)]
    [InlineData("write", "ReferralNetwork.Contracts.Referrals:ReferralRequested", false)]
    [InlineData("write", "referrals-referral-updates", false)]
    [InlineData("write", "amq.default", false)]
    [InlineData("read", "linkworkers-routing", false)]
    [InlineData("read", "ReferralNetwork.Contracts.Organisations:OrganisationRegistered", false)]
    [InlineData("configure", "linkworkers-routing", false)]
    [InlineData("configure", "ReferralNetwork.Contracts.Feedback-like:Anything", false)]
    // Anchored: a name merely containing an allowed one is not allowed.
    [InlineData("read", "xfeedback-referral-journeys", false)]
    public void The_feedback_services_permissions_allow_only_its_own_and_what_it_consumes(string permission, string name, bool allowed)
    {
        var permissions = BrokerAccess.Feedback.Permissions;
        var pattern = permission switch
        {
            "configure" => permissions.Configure,
            "write" => permissions.Write,
            _ => permissions.Read,
        };

        Assert.Equal(allowed, Regex.IsMatch(name, pattern));
    }
}
