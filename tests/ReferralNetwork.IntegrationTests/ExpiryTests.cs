using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.Messaging;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.Referrals.Referrals;
using LinkWorkerEvents = ReferralNetwork.Contracts.LinkWorkers;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// The inbox and the idempotency keys forget what is older than their retention, and only that. A record
/// "written days ago" is one the services wrote, with its timestamp moved back; each test then runs the
/// service's own cleaner once rather than waiting an hour for it.
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public sealed class ExpiryTests(RealInfrastructure infrastructure)
{
    private readonly string area = "expiry-" + Guid.NewGuid().ToString("N")[..8];

    private static T Cleaner<T>(IServiceProvider services) where T : IHostedService =>
        // The registered hosted service itself, so the test runs exactly what the service runs.
        services.GetServices<IHostedService>().OfType<T>().Single();

    [Fact]
    public async Task Every_service_runs_both_cleaners_on_its_own_database()
    {
        foreach (var (name, services) in new (string, IServiceProvider)[]
        {
            ("referrals", infrastructure.Referrals.Services), ("linkworkers", infrastructure.LinkWorkers.Services),
            ("communityproviders", infrastructure.CommunityProviders.Services), ("feedback", infrastructure.Feedback.Services),
        })
        {
            // A pass over each service's own tables (their schema differs) runs without error.
            await Cleaner<DocumentExpiry<HandledMessage, InboxOptions>>(services).ExpireAsync(CancellationToken.None);
            await Cleaner<DocumentExpiry<IdempotentResponse, IdempotencyKeyOptions>>(services).ExpireAsync(CancellationToken.None);
            Assert.True(services.GetServices<IHostedService>().Count(s => s.GetType().IsGenericType
                && s.GetType().GetGenericTypeDefinition() == typeof(DocumentExpiry<,>)) == 2, $"{name} runs both cleaners");
        }
    }

    [Fact]
    public async Task The_inbox_forgets_a_message_after_its_retention_and_still_drops_a_recent_redelivery()
    {
        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        var referral = await SubmitAsync(ClientFor(Guid.NewGuid()));
        var service = Guid.NewGuid();
        var at = DateTimeOffset.UtcNow;
        await infrastructure.PublishAsync(new LinkWorkerEvents.ReferralRouted(referral, service, "North Link Workers", at), Guid.NewGuid());
        await infrastructure.PublishAsync(new LinkWorkerEvents.ReferralAccepted(referral, service, Guid.NewGuid(), "Sam Jones", at), Guid.NewGuid());

        // Two contact attempts, handled now; the first is then made to look handled 15 days ago.
        var (old, recent) = (Guid.NewGuid(), Guid.NewGuid());
        var oldContact = new LinkWorkerEvents.ContactAttempted(referral, service, "no-answer", at.AddMinutes(1), at.AddMinutes(1));
        var recentContact = new LinkWorkerEvents.ContactAttempted(referral, service, "reached", at.AddMinutes(2), at.AddMinutes(2));
        await infrastructure.PublishAsync(oldContact, old);
        await infrastructure.PublishAsync(recentContact, recent);
        await ContactsRecordedAsync(store, referral, 2);
        var oldRecord = await HandledAsync(store, old);
        var recentRecord = await HandledAsync(store, recent);
        await using (var session = store.LightweightSession())
        {
            session.Update(oldRecord with { HandledAt = DateTimeOffset.UtcNow - TimeSpan.FromDays(15) });
            await session.SaveChangesAsync();
        }

        var expired = await Cleaner<DocumentExpiry<HandledMessage, InboxOptions>>(infrastructure.Referrals.Services).ExpireAsync(CancellationToken.None);

        Assert.True(expired >= 1, "the old record was deleted");
        await using (var session = store.QuerySession())
        {
            Assert.Null(await session.LoadAsync<HandledMessage>(oldRecord.Id));
            Assert.Equal(recentRecord, await session.LoadAsync<HandledMessage>(recentRecord.Id));
        }

        // Redelivered, in this order, on a queue taken one message at a time: the recent one, within its retention,
        // is dropped; the forgotten one is handled again, and remembered anew in the same transaction. Once that
        // record is there, both are done: three contacts, not four.
        var redelivered = DateTimeOffset.UtcNow;
        await infrastructure.PublishAsync(recentContact, recent);
        await infrastructure.PublishAsync(oldContact, old);
        var remembered = await HandledAsync(store, old, since: redelivered);
        Assert.Equal(oldRecord.Id, remembered.Id);
        Assert.Equal(3, await ContactsAsync(store, referral));
    }

    [Fact]
    public async Task Old_records_are_deleted_in_batches_and_recent_ones_kept()
    {
        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        var now = DateTimeOffset.UtcNow;
        var prefix = "expiry-batches-" + Guid.NewGuid().ToString("N")[..8] + ":";
        // More than two batches' worth (the default batch is 1000), each a day or more past the 14-day retention.
        var old = Enumerable.Range(0, 2_500).Select(i => new HandledMessage($"{prefix}old-{i}", now - TimeSpan.FromDays(15) - TimeSpan.FromMinutes(i))).ToList();
        var kept = new[] { new HandledMessage($"{prefix}kept-13-days", now - TimeSpan.FromDays(13)), new HandledMessage($"{prefix}kept-now", now) };
        await store.BulkInsertAsync(old.Concat(kept).ToList());

        var expired = await Cleaner<DocumentExpiry<HandledMessage, InboxOptions>>(infrastructure.Referrals.Services).ExpireAsync(CancellationToken.None);

        Assert.True(expired >= old.Count, $"deleted {expired}");
        await using var session = store.QuerySession();
        var left = await session.Query<HandledMessage>().Where(m => m.Id.StartsWith(prefix)).Select(m => m.Id).ToListAsync();
        Assert.Equal(kept.Select(k => k.Id).Order(), left.Order());
    }

    [Fact]
    public async Task An_idempotency_key_is_forgotten_after_seven_days_and_replayed_within_them()
    {
        var store = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        var gp = Guid.NewGuid();
        var (oldKey, recentKey) = ("expiry-old-" + Guid.NewGuid().ToString("N"), "expiry-recent-" + Guid.NewGuid().ToString("N"));
        var firstOld = await SubmitAsync(ClientFor(gp, oldKey));
        var firstRecent = await SubmitAsync(ClientFor(gp, recentKey));

        // The old key was used 8 days ago; the recent one 6 days ago, inside the 7 days.
        await using (var session = store.LightweightSession())
        {
            var stored = await session.Query<IdempotentResponse>().Where(r => r.Id.StartsWith(gp.ToString())).ToListAsync();
            Assert.Equal(2, stored.Count);
            foreach (var response in stored)
            {
                session.Update(response with { At = DateTimeOffset.UtcNow - TimeSpan.FromDays(response.Id.EndsWith(oldKey, StringComparison.Ordinal) ? 8 : 6) });
            }

            await session.SaveChangesAsync();
        }

        var expired = await Cleaner<DocumentExpiry<IdempotentResponse, IdempotencyKeyOptions>>(infrastructure.Referrals.Services).ExpireAsync(CancellationToken.None);

        Assert.True(expired >= 1, "the old key was deleted");
        // Within its 7 days the key still answers with the first response and creates nothing.
        Assert.Equal(firstRecent, await SubmitAsync(ClientFor(gp, recentKey)));
        // After them the same request is new: a second referral.
        var again = await SubmitAsync(ClientFor(gp, oldKey));
        Assert.NotEqual(firstOld, again);
        await using var check = store.QuerySession();
        Assert.Equal(3, await check.Query<Referral>().CountAsync(r => r.ReferrerId == gp));
    }

    private HttpClient ClientFor(Guid gp, string? idempotencyKey = null)
    {
        var client = infrastructure.Referrals.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(gp, OrganisationKind.GpPractice, area, "Riverside Surgery"));
        if (idempotencyKey is not null)
        {
            client.DefaultRequestHeaders.Add(IdempotencyKeys.HeaderName, idempotencyKey);
        }

        return client;
    }

    private static async Task<Guid> SubmitAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReferralServiceTests.IdOnly>())!.Id;
    }

    private static async Task<int> ContactsAsync(IDocumentStore store, Guid referral)
    {
        await using var session = store.QuerySession();
        return (await session.Events.FetchStreamAsync(referral)).Count(e => e.Data is ContactAttemptRecorded);
    }

    private static Task<string> ContactsRecordedAsync(IDocumentStore store, Guid referral, int count) =>
        Eventually.GetAsync(async () => await ContactsAsync(store, referral) >= count ? "recorded" : null, $"{count} contact attempts recorded", 30);

    /// <summary>The inbox's record of <paramref name="messageId"/> on the referral service's queue, written at or after <paramref name="since"/>.</summary>
    private static Task<HandledMessage> HandledAsync(IDocumentStore store, Guid messageId, DateTimeOffset? since = null) =>
        Eventually.GetAsync(async () =>
        {
            await using var session = store.QuerySession();
            var suffix = $":{messageId:N}";
            var record = await session.Query<HandledMessage>().Where(m => m.Id.EndsWith(suffix)).SingleOrDefaultAsync();
            return record is not null && (since is null || record.HandledAt >= since) ? record : null;
        }, $"the inbox record of {messageId}", 30);
}
