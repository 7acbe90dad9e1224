using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace ReferralNetwork.EndToEndTests.Security;

/// <summary>
/// Issue 12 item 12: what someone holding one service's broker credential can do on the broker.
/// Each service connects as a user of its own; the broker refuses that user every exchange it may
/// not publish to and every queue it may not read (AMQP 403 ACCESS_REFUSED, which closes the
/// channel), and there is no <c>guest</c>. That the services still work with only these rights is
/// what the journey tests show.
/// </summary>
[Collection(RunningNetworkCollection.Name)]
public class BrokerTrustTests(RunningNetwork network)
{
    private const string AdministratorUser = "referral-network";

    [Fact]
    public async Task Every_service_connects_as_a_broker_user_of_its_own_that_cannot_use_the_management_api()
    {
        var users = new Dictionary<string, string>();
        foreach (var service in AspireNetwork.Services)
        {
            users[service] = UserOf(await BrokerUriOfAsync(service));
        }

        Assert.Equal(users.Count, users.Values.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain(AdministratorUser, users.Values);
        Assert.DoesNotContain("guest", users.Values);
        foreach (var service in AspireNetwork.Services)
        {
            // No management tag: a service's password does not open the management UI or its HTTP API.
            using var management = Management(await BrokerUriOfAsync(service));
            Assert.Equal(HttpStatusCode.Unauthorized, (await management.GetAsync("api/whoami")).StatusCode);
        }
    }

    [Fact]
    public async Task The_feedback_services_credential_cannot_publish_a_link_worker_event_nor_send_to_the_referral_services_queue()
    {
        await using var connection = await ConnectAsync(await BrokerUriOfAsync("feedback"));
        var accepted = Envelope("ReferralNetwork.Contracts.LinkWorkers:ReferralAccepted", new
        {
            referralId = Guid.NewGuid(),
            linkWorkerServiceId = Guid.NewGuid(),
            linkWorkerId = Guid.NewGuid(),
            linkWorkerName = "Not a link worker",
            at = DateTimeOffset.UtcNow,
        });

        // What the referral service acts on: a referral marked accepted by someone who is not its link-worker service.
        AssertRefused(
            await ClosedByBrokerAsync(connection, channel => PublishAsync(channel, "ReferralNetwork.Contracts.LinkWorkers:ReferralAccepted", "", accepted)),
            "exchange 'ReferralNetwork.Contracts.LinkWorkers:ReferralAccepted'");
        // Straight into the referral service's queue, through its exchange or the default exchange.
        AssertRefused(
            await ClosedByBrokerAsync(connection, channel => PublishAsync(channel, "referrals-referral-updates", "", accepted)),
            "exchange 'referrals-referral-updates'");
        AssertRefused(
            await ClosedByBrokerAsync(connection, channel => PublishAsync(channel, "", "referrals-referral-updates", accepted)),
            "exchange 'amq.default'");
    }

    [Fact]
    public async Task The_feedback_services_credential_cannot_read_the_link_worker_services_routing_queue()
    {
        await using var connection = await ConnectAsync(await BrokerUriOfAsync("feedback"));

        AssertRefused(
            await ClosedByBrokerAsync(connection, channel => channel.BasicGetAsync("linkworkers-routing", autoAck: false)),
            "queue 'linkworkers-routing'");
        AssertRefused(
            await ClosedByBrokerAsync(connection, channel => channel.BasicConsumeAsync("linkworkers-routing", autoAck: false, new AsyncEventingBasicConsumer(channel))),
            "queue 'linkworkers-routing'");
        AssertRefused(
            await ClosedByBrokerAsync(connection, channel => channel.QueuePurgeAsync("linkworkers-routing")),
            "queue 'linkworkers-routing'");
        AssertRefused(
            await ClosedByBrokerAsync(connection, channel => channel.QueueDeleteAsync("linkworkers-routing")),
            "queue 'linkworkers-routing'");
    }

    [Fact]
    public async Task A_service_may_bind_its_own_queue_only_to_the_events_it_consumes()
    {
        // The community-provider service hears of onward referrals, but never sees a referral request
        // (with the person's NHS number and date of birth) nor the link-worker service's routing queue.
        await using var connection = await ConnectAsync(await BrokerUriOfAsync("communityproviders"));
        var probe = "communityproviders-trust-probe-" + Guid.NewGuid().ToString("N")[..8];

        Assert.Null(await ClosedByBrokerAsync(connection, async channel =>
        {
            await channel.QueueDeclareAsync(probe, durable: false, exclusive: false, autoDelete: true);
            await channel.QueueBindAsync(probe, "ReferralNetwork.Contracts.LinkWorkers:OnwardReferralRequested", "");
            await channel.QueueDeleteAsync(probe);
        }));

        AssertRefused(
            await ClosedByBrokerAsync(connection, async channel =>
            {
                await channel.QueueDeclareAsync(probe, durable: false, exclusive: true, autoDelete: true);
                await channel.QueueBindAsync(probe, "ReferralNetwork.Contracts.Referrals:ReferralRequested", "");
            }),
            "exchange 'ReferralNetwork.Contracts.Referrals:ReferralRequested'");
        AssertRefused(
            await ClosedByBrokerAsync(connection, async channel =>
            {
                await channel.QueueDeclareAsync(probe, durable: false, exclusive: true, autoDelete: true);
                await channel.QueueBindAsync(probe, "linkworkers-routing", "");
            }),
            "exchange 'linkworkers-routing'");
        // Nor may it name its own queue after another service's.
        AssertRefused(
            await ClosedByBrokerAsync(connection, channel => channel.QueueDeclareAsync("feedback-" + probe, durable: false, exclusive: true, autoDelete: true)),
            $"queue 'feedback-{probe}'");
    }

    [Fact]
    public async Task Guest_cannot_log_in_to_the_broker_nor_its_management_api()
    {
        var administrator = new Uri((await network.App.GetConnectionStringAsync("rabbitmq"))!);
        var guest = new UriBuilder(administrator) { UserName = "guest", Password = "guest" }.Uri;

        var refused = await Assert.ThrowsAnyAsync<BrokerUnreachableException>(() => ConnectAsync(guest));
        Assert.Contains(Causes(refused), e => e is AuthenticationFailureException);
        using var management = Management(guest);
        Assert.Equal(HttpStatusCode.Unauthorized, (await management.GetAsync("api/whoami")).StatusCode);
    }

    /// <summary>The broker address the AppHost gave the service (<c>ConnectionStrings__rabbitmq</c>), with its credential.</summary>
    private async Task<Uri> BrokerUriOfAsync(string service)
    {
        const string Setting = "ConnectionStrings__rabbitmq";
        // Bounded: a resource that never gets the setting fails the test instead of holding the whole run.
        using var waiting = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var started = await network.App.ResourceNotifications.WaitForResourceAsync(
            service, e => e.Snapshot.EnvironmentVariables.Any(v => v.Name == Setting && !string.IsNullOrEmpty(v.Value)), waiting.Token);
        return new Uri(started.Snapshot.EnvironmentVariables.First(v => v.Name == Setting).Value!);
    }

    private static string UserOf(Uri broker) => Uri.UnescapeDataString(broker.UserInfo.Split(':')[0]);

    private static async Task<IConnection> ConnectAsync(Uri broker) =>
        await new ConnectionFactory { Uri = broker, AutomaticRecoveryEnabled = false, RequestedConnectionTimeout = TimeSpan.FromSeconds(10) }
            .CreateConnectionAsync("broker-trust-tests");

    /// <summary>The broker's management API, signed in with the credential in <paramref name="broker"/>.</summary>
    private HttpClient Management(Uri broker)
    {
        var client = new HttpClient { BaseAddress = network.App.GetEndpoint("rabbitmq", "management") };
        var credential = broker.UserInfo.Split(':');
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(
            Encoding.UTF8.GetBytes($"{Uri.UnescapeDataString(credential[0])}:{Uri.UnescapeDataString(credential[1])}")));
        return client;
    }

    /// <summary>A MassTransit envelope, as a service's relay would publish it.</summary>
    private static byte[] Envelope(string messageType, object message) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        messageId = Guid.NewGuid(),
        messageType = new[] { "urn:message:" + messageType },
        message,
    });

    private static async Task PublishAsync(IChannel channel, string exchange, string routingKey, byte[] body) =>
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, new BasicProperties { ContentType = "application/vnd.masstransit+json" }, body);

    /// <summary>
    /// Runs <paramref name="attempt"/> on a channel of its own and returns why the broker closed the
    /// channel, or null when it did not within five seconds (a refused publish is only answered by
    /// closing the channel, after the call has returned).
    /// </summary>
    private static async Task<ShutdownEventArgs?> ClosedByBrokerAsync(IConnection connection, Func<IChannel, Task> attempt)
    {
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await attempt(channel);
        }
        catch (OperationInterruptedException e)
        {
            return e.ShutdownReason;
        }
        for (var waited = 0; waited < 50 && channel.CloseReason is null; waited++)
        {
            await Task.Delay(100);
        }
        return channel.CloseReason;
    }

    private static void AssertRefused(ShutdownEventArgs? closed, string resource)
    {
        Assert.True(closed is not null, $"The broker allowed what it should have refused on {resource}.");
        Assert.Equal(403, closed.ReplyCode);
        Assert.Contains("ACCESS_REFUSED", closed.ReplyText, StringComparison.Ordinal);
        Assert.Contains(resource, closed.ReplyText, StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
