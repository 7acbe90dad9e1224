using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NSubstitute;
using ReferralNetwork.Messaging;

namespace ReferralNetwork.UnitTests.Defaults;

public class BrokerHealthCheckTests
{
    private const string Broker = "rabbitmq://rabbit.internal:5672/";
    private const string ReplyQueue = Broker + "build01_ReferralNetworkReferrals_bus_abc123?temporary=true";

    private static KeyValuePair<string, EndpointHealthResult> Endpoint(string queue, BusHealthStatus status)
    {
        var address = queue.StartsWith("rabbitmq://", StringComparison.Ordinal) ? queue : Broker + queue;
        var endpoint = Substitute.For<IReceiveEndpoint>();
        endpoint.InputAddress.Returns(new Uri(address));
        return new(address, status switch
        {
            BusHealthStatus.Healthy => EndpointHealthResult.Healthy(endpoint, "ready"),
            BusHealthStatus.Degraded => EndpointHealthResult.Degraded(endpoint, "not ready"),
            _ => EndpointHealthResult.Unhealthy(endpoint, "faulted", null!),
        });
    }

    private static Task<HealthCheckResult> Check(BusHealthStatus status, params KeyValuePair<string, EndpointHealthResult>[] endpoints) =>
        Check(status, HealthStatus.Unhealthy, endpoints);

    private static async Task<HealthCheckResult> Check(
        BusHealthStatus status, HealthStatus failureStatus, params KeyValuePair<string, EndpointHealthResult>[] endpoints)
    {
        var endpointsByAddress = new Dictionary<string, EndpointHealthResult>(endpoints);
        var health = status switch
        {
            BusHealthStatus.Healthy => BusHealthResult.Healthy("started", endpointsByAddress),
            BusHealthStatus.Degraded => BusHealthResult.Degraded("endpoints not ready", null!, endpointsByAddress),
            _ => BusHealthResult.Unhealthy("not started", null!, endpointsByAddress),
        };
        var bus = Substitute.For<IBusControl>();
        bus.CheckHealth().Returns(health);
        var check = new BrokerHealthCheck(bus);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("broker", check, failureStatus, null) };
        return await check.CheckHealthAsync(context);
    }

    private static IReadOnlyDictionary<string, string> Queues(HealthCheckResult result) =>
        Assert.IsType<Dictionary<string, string>>(result.Data["queues"]);

    [Fact]
    public async Task A_started_bus_consuming_from_every_queue_is_healthy_and_reports_queue_names_only()
    {
        var result = await Check(BusHealthStatus.Healthy,
            Endpoint("referrals-referral-accepted", BusHealthStatus.Healthy),
            Endpoint("referrals-provider-replied", BusHealthStatus.Healthy),
            Endpoint(ReplyQueue, BusHealthStatus.Healthy));

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("ready; 2 queue(s) consuming", result.Description);
        Assert.Equal(
            new Dictionary<string, string> { ["referrals-referral-accepted"] = "healthy", ["referrals-provider-replied"] = "healthy" },
            Queues(result));
    }

    [Fact]
    public async Task A_started_bus_with_no_queues_of_its_own_only_publishes()
    {
        var result = await Check(BusHealthStatus.Healthy,
            Endpoint(ReplyQueue, BusHealthStatus.Healthy),
            Endpoint(Broker + "gateway_reply?autodelete=true", BusHealthStatus.Healthy));

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("started; publishes only, no queues to consume", result.Description);
        Assert.Empty(Queues(result));
    }

    [Fact]
    public async Task A_degraded_bus_is_degraded_naming_the_queues_not_consuming_in_order()
    {
        var result = await Check(BusHealthStatus.Degraded,
            Endpoint("referrals-referral-accepted", BusHealthStatus.Healthy),
            Endpoint("referrals-provider-replied", BusHealthStatus.Degraded),
            Endpoint("feedback-recorded", BusHealthStatus.Unhealthy),
            Endpoint(ReplyQueue, BusHealthStatus.Degraded));

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("not consuming from feedback-recorded, referrals-provider-replied; reconnecting", result.Description);
        Assert.Equal("degraded", Queues(result)["referrals-provider-replied"]);
        Assert.Equal("unhealthy", Queues(result)["feedback-recorded"]);
    }

    [Fact]
    public async Task A_bus_not_connected_yet_or_faulted_is_degraded_never_unhealthy_so_the_service_stays_ready()
    {
        var notConnected = await Check(BusHealthStatus.Unhealthy);
        var faulted = await Check(BusHealthStatus.Unhealthy,
            Endpoint("referrals-referral-accepted", BusHealthStatus.Unhealthy),
            Endpoint("referrals-provider-replied", BusHealthStatus.Healthy));

        Assert.Equal(HealthStatus.Degraded, notConnected.Status);
        Assert.Equal("not connected to the broker yet; connecting", notConnected.Description);
        Assert.Equal(HealthStatus.Degraded, faulted.Status);
        Assert.Equal("not consuming from referrals-referral-accepted; reconnecting", faulted.Description);
    }
}
