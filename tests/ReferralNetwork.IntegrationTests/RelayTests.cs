using RabbitMQ.Client;
using ReferralNetwork.Contracts.Erasure;
using ReferralNetwork.IntegrationTests.Infrastructure;

namespace ReferralNetwork.IntegrationTests;

/// <summary>Issue 13 item 3: the relay keeps what no queue is bound for yet, instead of having it confirmed and dropped.</summary>
[Collection(RealInfrastructureCollection.Name)]
public class RelayTests(RealInfrastructure infrastructure)
{
    private const string Completed = "ReferralNetwork.Contracts.Erasure:PersonErasureCompleted";

    /// <summary>Every queue-side exchange that reads the erasure receipts here: the referral service's and the tests' observer.</summary>
    private static readonly string[] Readers = ["referrals-erasure-progress", "integration-tests-observer"];

    [Fact]
    public async Task An_event_published_while_no_queue_is_bound_for_it_is_published_once_one_is()
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(infrastructure.Broker.ConnectionString) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var reader in Readers)
        {
            await channel.ExchangeUnbindAsync(reader, Completed, "");
        }

        var erasureId = Guid.NewGuid();
        try
        {
            await infrastructure.PublishAsync(new PersonErasureRequested(erasureId, [Guid.NewGuid()], DateTimeOffset.UtcNow), Guid.NewGuid());
            // Long enough for every service to have erased nothing and tried to report it.
            await Task.Delay(TimeSpan.FromSeconds(4));
            Assert.DoesNotContain(infrastructure.PublishedOf<PersonErasureCompleted>(), p => p.Message.ErasureId == erasureId);
        }
        finally
        {
            foreach (var reader in Readers)
            {
                await channel.ExchangeBindAsync(reader, Completed, "");
            }
        }

        foreach (var service in new[] { "referrals", "linkworkers", "communityproviders", "feedback" })
        {
            await infrastructure.WaitForPublishedAsync<PersonErasureCompleted>(m => m.ErasureId == erasureId && m.Service == service);
        }

        Assert.Equal(4, infrastructure.PublishedOf<PersonErasureCompleted>().Count(p => p.Message.ErasureId == erasureId));
    }
}
