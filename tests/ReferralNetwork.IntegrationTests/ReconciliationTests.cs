using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Contracts.Organisations;
using ReferralNetwork.IntegrationTests.Infrastructure;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.Messaging.Reconciliation;
using ReferralNetwork.Referrals.Reconciliation;
using ReferralNetwork.Referrals.Referrals;
using LinkWorkerEvents = ReferralNetwork.Contracts.LinkWorkers;
using ReferralRequested = ReferralNetwork.Contracts.Referrals.ReferralRequested;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// Issue 13 item 9: a referral that never reaches its link-worker service, or an onward referral that never reaches its
/// provider, is counted and shown once its grace period is over; what arrived, waits for its area, or was called off is not.
/// A loss is a service alone on a broker of its own where nobody consumes what it sends (as when the receiving queue is
/// unbound or deleted); an arrival is the answer the receiving service would send, published there by the test.
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public sealed class ReconciliationTests(RealInfrastructure infrastructure)
{
    // Long enough for the test to submit everything and look before it is over, on a busy machine.
    private static readonly (string, string)[] ShortGrace = [("Reconciliation:Grace", "00:00:10"), ("Reconciliation:Interval", "00:00:00.250")];

    [Fact]
    public async Task A_referral_lost_on_its_way_to_its_link_worker_service_is_counted_and_degrades_health_after_the_grace_period()
    {
        await using var service = await ServiceOfItsOwn.ReferralsAsync(infrastructure, ShortGrace);
        await service.WhenConsumingAsync();
        const string area = "liverpool-north";
        await service.PublishAsync(new OrganisationRegistered(Guid.NewGuid(), "North Link Workers", OrganisationKind.LinkWorkerService, area, DateTimeOffset.UtcNow));
        await StoredAsync<ServedArea>(service.Store, area);

        var gp = service.ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice, area);
        var arrived = await SubmitAsync(gp);
        var lost = await SubmitAsync(gp);
        var cancelled = await SubmitAsync(gp);
        var waiting = await SubmitAsync(service.ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice, "no-link-workers-yet"));
        Assert.Equal(HttpStatusCode.OK, (await gp.PostAsJsonAsync($"/api/referrals/{cancelled}/cancel", new { reason = "revoked" })).StatusCode);
        // The link-worker service's answer for one of them, as it sends it once it has opened the case.
        await service.PublishAsync(new LinkWorkerEvents.ReferralRouted(arrived, Guid.NewGuid(), "North Link Workers", DateTimeOffset.UtcNow));
        await Eventually.GetAsync(async () => (await LoadAsync<Referral>(service.Store, arrived))?.LinkWorkerServiceId, "the routing to be recorded");

        // Within the grace period nothing is overdue.
        Assert.Equal("healthy", (await ReconciliationAsync(gp)).Status);

        var degraded = await Eventually.GetAsync(async () => await ReconciliationAsync(gp) is { Status: "degraded" } check ? check : null,
            "the lost referral to be reported", seconds: 30);
        Assert.StartsWith("1 referral(s) have not reached their link-worker service within 10 s; the oldest has waited", degraded.Description);
        Assert.Equal(1, degraded.Data.GetProperty("unreached").GetInt32());
        Assert.Equal(1, Unreached(service.Services, "referral"));
        var warning = Assert.Single(service.Warnings, w => w.Category == typeof(ReconciliationWatcher).FullName).Message;
        Assert.Contains(lost.ToString(), warning);
        Assert.All(new[] { arrived, cancelled, waiting }, id => Assert.DoesNotContain(id.ToString(), warning));
        // Degraded, never unhealthy: the service stays ready.
        Assert.Equal(HttpStatusCode.OK, (await gp.GetAsync("/health")).StatusCode);

        // Its routing arrives late after all: nothing is overdue any more.
        await service.PublishAsync(new LinkWorkerEvents.ReferralRouted(lost, Guid.NewGuid(), "North Link Workers", DateTimeOffset.UtcNow));
        await Eventually.GetAsync(async () => await ReconciliationAsync(gp) is { Status: "healthy" } check ? check : null, "the late referral to count as arrived");
        Assert.Equal(0, Unreached(service.Services, "referral"));
    }

    [Fact]
    public async Task An_onward_referral_lost_on_its_way_to_its_provider_is_counted_and_degrades_health_after_the_grace_period()
    {
        await using var service = await ServiceOfItsOwn.LinkWorkersAsync(infrastructure, ShortGrace);
        await service.WhenConsumingAsync();
        var area = "recon-" + Guid.NewGuid().ToString("N")[..6];
        var linkWorkerService = Guid.NewGuid();
        await service.PublishAsync(new OrganisationRegistered(linkWorkerService, "North Link Workers", OrganisationKind.LinkWorkerService, area, DateTimeOffset.UtcNow));
        var (walking, choir, allotment) = (Listed(area, "Walking group"), Listed(area, "Community choir"), Listed(area, "Allotment club"));
        foreach (var listing in new[] { walking, choir, allotment })
        {
            await service.PublishAsync(listing);
            await StoredAsync<DirectoryListing>(service.Store, listing.ServiceId);
        }

        var referral = Referral(area);
        await service.PublishAsync(referral);
        await Eventually.GetAsync(() => service.PublishedOf<LinkWorkerEvents.ReferralRouted>().Any(p => p.Message.ReferralId == referral.ReferralId) ? "routed" : null,
            "the case to be opened");
        var client = service.ClientFor(linkWorkerService, OrganisationKind.LinkWorkerService, area, "North Link Workers");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/link-workers", new { name = "Sam", maxActiveCases = 20 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/cases/{referral.ReferralId}/accept", new { })).StatusCode);
        var arrived = await ReferOnAsync(client, referral.ReferralId, walking);
        var lost = await ReferOnAsync(client, referral.ReferralId, choir);
        var withdrawn = await ReferOnAsync(client, referral.ReferralId, allotment);
        Assert.Equal(HttpStatusCode.OK,
            (await client.PostAsJsonAsync($"/api/cases/{referral.ReferralId}/onward-referrals/{withdrawn}/withdraw", new { })).StatusCode);
        // The provider service's report for one of them, as it sends it once the onward referral is in the inbox.
        await service.PublishAsync(new OnwardReferralArrived(arrived, referral.ReferralId, walking.ProviderId, DateTimeOffset.UtcNow));
        await Eventually.GetAsync(async () => (await LoadAsync<Case>(service.Store, referral.ReferralId))?.OnwardReferral(arrived)?.ArrivedAt,
            "the arrival to be recorded");

        Assert.Equal("healthy", (await ReconciliationAsync(client)).Status);

        var degraded = await Eventually.GetAsync(async () => await ReconciliationAsync(client) is { Status: "degraded" } check ? check : null,
            "the lost onward referral to be reported", seconds: 30);
        Assert.StartsWith("1 onward referral(s) have not reached their provider within 10 s; the oldest has waited", degraded.Description);
        Assert.Equal(1, Unreached(service.Services, "onward-referral"));
        var warning = Assert.Single(service.Warnings, w => w.Category == typeof(ReconciliationWatcher).FullName).Message;
        Assert.Contains(lost.ToString(), warning);
        Assert.All(new[] { arrived, withdrawn }, id => Assert.DoesNotContain(id.ToString(), warning));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        await service.PublishAsync(new OnwardReferralArrived(lost, referral.ReferralId, choir.ProviderId, DateTimeOffset.UtcNow));
        await Eventually.GetAsync(async () => await ReconciliationAsync(client) is { Status: "healthy" } check ? check : null, "the late onward referral to count as arrived");
        Assert.Equal(0, Unreached(service.Services, "onward-referral"));
    }

    /// <summary>The whole way, through the real services: what they answer is what the reconciliation looks for.</summary>
    [Fact]
    public async Task The_receiving_services_answer_what_the_reconciliation_looks_for()
    {
        var area = "recon-" + Guid.NewGuid().ToString("N")[..6];
        var linkWorkerService = await infrastructure.LinkWorkerServiceKnownAsync(area);
        var referrals = infrastructure.Referrals.Services.GetRequiredService<IDocumentStore>();
        var linkWorkers = infrastructure.LinkWorkers.Services.GetRequiredService<IDocumentStore>();

        // The registration tells the referral service the area is served, and the referral is routed.
        var servedSince = (await StoredAsync<ServedArea>(referrals, area)).Since;
        var gp = infrastructure.Referrals.CreateClient();
        gp.DefaultRequestHeaders.Authorization = new("Bearer", infrastructure.TokenFor(Guid.NewGuid(), OrganisationKind.GpPractice, area));
        var referral = await SubmitAsync(gp);
        await Eventually.GetAsync(async () => (await LoadAsync<Referral>(referrals, referral))?.LinkWorkerServiceId, "the referral to reach its link-worker service");
        Assert.Equal(servedSince, (await LoadAsync<ServedArea>(referrals, area))!.Since);
        Assert.DoesNotContain(await UnreachedLongAfterAsync(infrastructure.Referrals.Services), u => u.Id == referral);

        // The provider service reports the onward referral's arrival with its own arrival time, and the case records it.
        var listing = Listed(area, "Walking group");
        await infrastructure.PublishAsync(listing, Guid.NewGuid());
        await StoredAsync<DirectoryListing>(linkWorkers, listing.ServiceId);
        var client = infrastructure.LinkWorkers.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", infrastructure.TokenFor(linkWorkerService, OrganisationKind.LinkWorkerService, area));
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/link-workers", new { name = "Sam", maxActiveCases = 20 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/cases/{referral}/accept", new { })).StatusCode);
        var onward = await ReferOnAsync(client, referral, listing);

        var arrivedAt = (await Eventually.GetAsync(async () => (await LoadAsync<Case>(linkWorkers, referral))?.OnwardReferral(onward)?.ArrivedAt,
            "the arrival to reach the case"))!.Value;
        var inbox = infrastructure.CommunityProviders.Services.GetRequiredService<IDocumentStore>();
        Assert.Equal((await LoadAsync<CommunityProviders.Inbox.ProviderReferral>(inbox, onward))!.ReceivedAt, arrivedAt);
        var seen = JsonDocument.Parse(await client.GetStringAsync($"/api/cases/{referral}")).RootElement.GetProperty("onwardReferrals")[0];
        Assert.Equal(arrivedAt, seen.GetProperty("arrivedAt").GetDateTimeOffset());
        Assert.DoesNotContain(await UnreachedLongAfterAsync(infrastructure.LinkWorkers.Services), u => u.Id == onward);
    }

    /// <summary>A pass of the service's own check as it would run a day from now: anything not arrived by then is in it.</summary>
    private static Task<IReadOnlyList<Unreached>> UnreachedLongAfterAsync(IServiceProvider services) =>
        services.GetRequiredService<IReconciledItems>().FindUnreachedAsync(DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None);

    private static async Task<Guid> SubmitAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReferralServiceTests.IdOnly>())!.Id;
    }

    private static async Task<Guid> ReferOnAsync(HttpClient client, Guid caseId, CommunityServiceListed service)
    {
        var response = await client.PostAsJsonAsync($"/api/cases/{caseId}/onward-referrals", new { serviceId = service.ServiceId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReferralServiceTests.IdOnly>())!.Id;
    }

    private static async Task<Check> ReconciliationAsync(HttpClient client)
    {
        var health = JsonDocument.Parse(await client.GetStringAsync("/health")).RootElement.GetProperty("checks").GetProperty("reconciliation");
        return new Check(health.GetProperty("status").GetString()!, health.GetProperty("description").GetString()!, health.GetProperty("data").Clone());
    }

    /// <summary>The reconciliation gauge's value for <paramref name="item"/>, read from the service's own meters as an exporter would.</summary>
    private static long? Unreached(IServiceProvider services, string item)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        long? value = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == ReconciliationWatcher.GaugeName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, measured, tags, _) =>
        {
            if (tags.ToArray().Contains(new KeyValuePair<string, object?>("item", item)))
            {
                value = measured;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }

    private static CommunityServiceListed Listed(string area, string name) =>
        new(Guid.NewGuid(), Guid.NewGuid(), "Green Steps", name, ["physical-activity"], area, "direct", 10, 4, DateTimeOffset.UtcNow);

    private static ReferralRequested Referral(string area) => new(
        Guid.CreateVersion7(), Pathway.Gp, area, Guid.NewGuid(), "Riverside Surgery", OrganisationKind.GpPractice, ["loneliness"], Urgency.Routine,
        null, new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), "9434765919", "L1 8JQ", "07700900123", null, "phone", "en", null),
        DateTimeOffset.UtcNow);

    private static Task<T> StoredAsync<T>(IDocumentStore store, object id) where T : class =>
        Eventually.GetAsync(() => LoadAsync<T>(store, id), $"the {typeof(T).Name} {id}");

    private static async Task<T?> LoadAsync<T>(IDocumentStore store, object id) where T : class
    {
        await using var session = store.QuerySession();
        return id switch
        {
            Guid guid => await session.LoadAsync<T>(guid),
            string text => await session.LoadAsync<T>(text),
            _ => throw new ArgumentException("An id is a Guid or a string.", nameof(id)),
        };
    }

    private sealed record Check(string Status, string Description, JsonElement Data);
}
