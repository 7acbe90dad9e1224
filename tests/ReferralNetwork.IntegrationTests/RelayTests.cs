using System.Net.Http.Headers;
using System.Net.Http.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.Erasure;
using ReferralNetwork.Contracts.Referrals;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.Messaging;

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
            try
            {
                await infrastructure.WaitForPublishedAsync<PersonErasureCompleted>(m => m.ErasureId == erasureId && m.Service == service);
            }
            catch (TimeoutException e)
            {
                // Which service, and which had reported: a failure here once did not say (it has not been reproduced).
                var reported = infrastructure.PublishedOf<PersonErasureCompleted>().Where(p => p.Message.ErasureId == erasureId).Select(p => p.Message.Service);
                throw new TimeoutException($"{e.Message} No report from {service}; reported: {string.Join(", ", reported)}.", e);
            }
        }

        Assert.Equal(4, infrastructure.PublishedOf<PersonErasureCompleted>().Count(p => p.Message.ErasureId == erasureId));
    }

    [Fact]
    public async Task An_event_set_aside_is_read_back_from_the_log_and_published_when_tried_again()
    {
        var client = infrastructure.Referrals.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(Guid.NewGuid(), OrganisationKind.GpPractice));
        var submitted = await client.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody());
        var id = (await submitted.Content.ReadFromJsonAsync<ReferralServiceTests.IdOnly>())!.Id;
        var (messageId, _) = await infrastructure.WaitForPublishedAsync<ReferralRequested>(m => m.ReferralId == id);

        // As if the relay had set it aside, and an event that is no longer in the log.
        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            var requested = (await session.Events.FetchStreamAsync(id))[0];
            session.Store(new UnpublishedEvent(requested.Id, requested.Sequence, requested.EventTypeName, "ReferralRequested", "ForbiddenException: ACCESS_REFUSED", 5, DateTimeOffset.UtcNow));
            session.Store(new UnpublishedEvent(Guid.NewGuid(), long.MaxValue, "gone", "Gone", "a bug", 1, DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        // Its own pass soon after the start may get there first; either way the event goes out.
        var retry = infrastructure.Referrals.Services.GetServices<IHostedService>().OfType<SetAsideEventsRetry>().Single();
        await retry.RetryAllAsync(CancellationToken.None);

        // The same message again (its id is the event's, so consumers drop it), and nothing is left set aside.
        await Eventually.GetAsync(
            () => Task.FromResult(infrastructure.PublishedOf<ReferralRequested>().Count(p => p.Message.ReferralId == id) >= 2 ? "again" : null),
            "the set-aside event published again");
        Assert.All(infrastructure.PublishedOf<ReferralRequested>().Where(p => p.Message.ReferralId == id), p => Assert.Equal(messageId, p.MessageId));
        await using var query = store.QuerySession();
        Assert.Equal(0, await query.Query<UnpublishedEvent>().CountAsync());
    }
}
