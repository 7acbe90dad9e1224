using Marten;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Feedback.Services;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.Messaging;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// Issue 13 item 4: the other services' copies of a community service's listing keep the newest listing (by
/// its time), whatever order the listings arrive in and however many are handled at once.
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public class ListingOrderTests(RealInfrastructure infrastructure)
{
    private const int Services = 16;
    private const int OlderPerService = 5;

    private static CommunityServiceListed Listing(Guid serviceId, Guid providerId, string area, int hoursAgo, DateTimeOffset now) => new(
        serviceId, providerId, "Green Steps", $"Walking group ({hoursAgo} h ago)", ["physical-activity"], area, "direct", 10, hoursAgo,
        now.AddHours(-hoursAgo));

    /// <summary>
    /// For each of several services, its newest listing and then older ones behind it (a redelivery, a publish that
    /// overtook another), all published at once so the consumer handles several of one service's listings together;
    /// returns when every message was handled by <paramref name="host"/>'s inbox.
    /// </summary>
    private async Task<IReadOnlyList<Guid>> ListNewestThenOlderAsync<T>(WebApplicationFactory<T> host, string area)
        where T : class
    {
        var now = DateTimeOffset.UtcNow;
        var serviceIds = Enumerable.Range(0, Services).Select(_ => Guid.NewGuid()).ToList();
        var messageIds = new List<Guid>();
        foreach (var serviceId in serviceIds)
        {
            var provider = Guid.NewGuid();
            foreach (var hoursAgo in Enumerable.Range(0, OlderPerService + 1))
            {
                var messageId = Guid.NewGuid();
                messageIds.Add(messageId);
                await infrastructure.PublishAsync(Listing(serviceId, provider, area, hoursAgo, now), messageId);
            }
        }

        var store = host.Services.GetRequiredService<IDocumentStore>();
        await Eventually.GetAsync(async () =>
        {
            await using var session = store.QuerySession();
            foreach (var messageId in messageIds)
            {
                var suffix = $":{messageId:N}";
                if (!await session.Query<HandledMessage>().AnyAsync(h => h.Id.EndsWith(suffix)))
                {
                    return null;
                }
            }

            return "all handled";
        }, "every listing handled", seconds: 60);
        return serviceIds;
    }

    [Fact]
    public async Task The_link_worker_services_copy_keeps_the_newest_listing()
    {
        var area = "listing-" + Guid.NewGuid().ToString("N")[..8];
        var serviceIds = await ListNewestThenOlderAsync(infrastructure.LinkWorkers, area);

        await using var session = infrastructure.LinkWorkers.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var copies = await session.Query<DirectoryListing>().Where(l => l.Area == area).ToListAsync();
        Assert.Equal(serviceIds.Order(), copies.Select(c => c.Id).Order());
        Assert.All(copies, c => Assert.Equal(("Walking group (0 h ago)", 0), (c.Name, c.CapacityAvailable)));
    }

    [Fact]
    public async Task The_feedback_services_copy_keeps_the_newest_listing()
    {
        var area = "listing-" + Guid.NewGuid().ToString("N")[..8];
        var serviceIds = await ListNewestThenOlderAsync(infrastructure.Feedback, area);

        await using var session = infrastructure.Feedback.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var copies = await session.Query<ListedService>().Where(l => l.Area == area).ToListAsync();
        Assert.Equal(serviceIds.Order(), copies.Select(c => c.Id).Order());
        Assert.All(copies, c => Assert.Equal(("Walking group (0 h ago)", 0), (c.Name, c.CapacityAvailable)));
    }
}
