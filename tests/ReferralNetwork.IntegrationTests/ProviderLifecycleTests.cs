using ReferralNetwork.EventSourcing;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.IntegrationTests.Infrastructure;

namespace ReferralNetwork.IntegrationTests;

[Collection(RealInfrastructureCollection.Name)]
public class ProviderLifecycleTests(RealInfrastructure infrastructure)
{
    // An area of its own, so the link-worker service under test routes none of these referrals by itself.
    private readonly string area = "provider-tests-" + Guid.NewGuid().ToString("N")[..8];

    private sealed record AttendanceView(DateOnly Date, bool Attended);

    private sealed record OnwardReferralView(
        Guid Id, string Status, string? StatusReason, string? StatusNote, List<AttendanceView> Attendances, string? Summary,
        DateTimeOffset? RemindedAt, DateTimeOffset? EscalatedAt, long Version);

    private HttpClient ClientFor(Guid provider, WebApplicationFactory<CommunityProviders.ProviderEvents>? host = null)
    {
        var client = (host ?? infrastructure.CommunityProviders).CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", infrastructure.TokenFor(provider, OrganisationKind.CommunityProvider, name: "Green Steps"));
        return client;
    }

    /// <summary>
    /// Delivers an onward referral as the link-worker service's relay would and waits until it is in the
    /// inbox. Its referral is real (submitted, routed, accepted) so the referral service records the
    /// provider's steps published from here instead of retrying them as out of order on its one queue.
    /// </summary>
    private async Task<OnwardReferralRequested> ArrivedAsync(Guid provider, DateTimeOffset? referredAt = null)
    {
        var gp = infrastructure.Referrals.CreateClient();
        gp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", infrastructure.TokenFor(Guid.NewGuid(), OrganisationKind.GpPractice, area, "Riverside Surgery"));
        var submitted = await gp.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody());
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var referralId = (await submitted.Content.ReadFromJsonAsync<ReferralServiceTests.IdOnly>())!.Id;

        var linkWorkerService = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        await infrastructure.PublishAsync(new ReferralRouted(referralId, linkWorkerService, "North Link Workers", now), Guid.NewGuid());
        await infrastructure.PublishAsync(new ReferralAccepted(referralId, linkWorkerService, Guid.NewGuid(), "Sam", now), Guid.NewGuid());
        var requested = new OnwardReferralRequested(
            Guid.CreateVersion7(), referralId, linkWorkerService, Guid.NewGuid(), "Walking group", provider, "Green Steps", ["physical-activity"],
            null, new OnwardReferralPerson("Ada", "Lovelace", "07700900123", null, "phone", "en", null), referredAt ?? DateTimeOffset.UtcNow);
        await infrastructure.PublishAsync(requested, Guid.NewGuid());
        await Eventually.GetAsync(() => LoadAsync(requested.OnwardReferralId), "the onward referral in the inbox");
        return requested;
    }

    private async Task<ProviderReferral?> LoadAsync(Guid id)
    {
        await using var session = infrastructure.CommunityProviders.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.LoadAsync<ProviderReferral>(id);
    }

    private async Task<IReadOnlyList<object>> EventsOfAsync(Guid id)
    {
        await using var session = infrastructure.CommunityProviders.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.Events.FetchStreamAsync(id)).Select(e => e.Data).ToList();
    }

    private static async Task<OnwardReferralView> OkAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = (await response.Content.ReadFromJsonAsync<OnwardReferralView>())!;
        Assert.Equal($"\"{view.Version}\"", response.Headers.ETag!.Tag);
        return view;
    }

    [Fact]
    public async Task The_provider_path_from_inbox_to_completion_is_stored_step_by_step()
    {
        var provider = Guid.NewGuid();
        var requested = await ArrivedAsync(provider);
        var client = ClientFor(provider);
        var path = $"/api/provider/referrals/{requested.OnwardReferralId}";

        Assert.Equal(HttpStatusCode.NotFound, (await ClientFor(Guid.NewGuid()).PostAsync($"{path}/accept", null)).StatusCode);

        var accept = new HttpRequestMessage(HttpMethod.Post, $"{path}/accept");
        accept.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var accepted = await OkAsync(await client.SendAsync(accept));
        Assert.Equal("accepted", accepted.Status);
        Assert.Equal(3, accepted.Version);

        var future = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(3);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsJsonAsync($"{path}/attendance", new { date = future, attended = true })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsJsonAsync($"{path}/attendance", new { attended = true })).StatusCode);

        var lastWeek = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-7);
        var missed = await OkAsync(await client.PostAsJsonAsync($"{path}/attendance", new { date = lastWeek, attended = false }));
        Assert.Equal("accepted", missed.Status);
        var attended = await OkAsync(await client.PostAsJsonAsync($"{path}/attendance", new { date = lastWeek.AddDays(1), attended = true }));
        Assert.Equal("in-progress", attended.Status);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsJsonAsync($"{path}/complete", new { summary = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsJsonAsync($"{path}/complete", new { summary = new string('x', 4001) })).StatusCode);
        var completed = await OkAsync(await client.PostAsJsonAsync($"{path}/complete", new { summary = "Came every week and now leads a walk." }));
        Assert.Equal("completed", completed.Status);

        var view = (await client.GetFromJsonAsync<OnwardReferralView>(path))!;
        Assert.Equal("completed", view.Status);
        Assert.Equal("Came every week and now leads a walk.", view.Summary);
        Assert.Equal([false, true], view.Attendances.Select(a => a.Attended));
        Assert.Null(view.RemindedAt);
        Assert.Null(view.EscalatedAt);
        var completedList = await client.GetFromJsonAsync<List<OnwardReferralView>>("/api/provider/referrals?status=completed");
        Assert.Contains(completedList!, r => r.Id == requested.OnwardReferralId);

        Assert.Collection(await EventsOfAsync(requested.OnwardReferralId),
            e => Assert.IsType<OnwardReferralArrived>(e),
            e => Assert.IsType<OnwardReferralAcknowledged>(e),
            e => Assert.IsType<OnwardReferralAccepted>(e),
            e => Assert.False(Assert.IsType<AttendanceRecorded>(e).Attended),
            e => Assert.Equal(OnwardReferralStatus.InProgress, Assert.IsType<AttendanceRecorded>(e).Status),
            e => Assert.IsType<OnwardReferralCompleted>(e));
    }

    [Fact]
    public async Task A_rejection_carries_its_structured_reason_and_unknown_reasons_are_malformed()
    {
        var provider = Guid.NewGuid();
        var requested = await ArrivedAsync(provider);
        var client = ClientFor(provider);
        var path = $"/api/provider/referrals/{requested.OnwardReferralId}";

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync($"{path}/reject", new { reason = "too-busy" })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsJsonAsync($"{path}/reject", new { note = "Full." })).StatusCode);
        Assert.Single(await EventsOfAsync(requested.OnwardReferralId));

        var rejected = await OkAsync(await client.PostAsJsonAsync($"{path}/reject", new { reason = "at-capacity", note = "Full until spring." }));
        Assert.Equal(("rejected", "at-capacity", "Full until spring."), (rejected.Status, rejected.StatusReason, rejected.StatusNote));
        Assert.Equal(3, (await EventsOfAsync(requested.OnwardReferralId)).Count);
    }

    [Fact]
    public async Task A_transition_the_state_does_not_allow_is_a_conflict_and_appends_nothing()
    {
        var provider = Guid.NewGuid();
        var requested = await ArrivedAsync(provider);
        var client = ClientFor(provider);
        var path = $"/api/provider/referrals/{requested.OnwardReferralId}";

        var completing = await client.PostAsJsonAsync($"{path}/complete", new { summary = "Too early." });
        Assert.Equal(HttpStatusCode.Conflict, completing.StatusCode);
        Assert.Equal("application/problem+json", completing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync($"{path}/fail", new { reason = "No show." })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync($"{path}/attendance", new { date = DateOnly.FromDateTime(DateTime.UtcNow), attended = true })).StatusCode);

        var stale = new HttpRequestMessage(HttpMethod.Post, $"{path}/accept");
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"7\""));
        Assert.Equal(HttpStatusCode.Conflict, (await client.SendAsync(stale)).StatusCode);

        Assert.IsType<OnwardReferralArrived>(Assert.Single(await EventsOfAsync(requested.OnwardReferralId)));
        Assert.Equal(OnwardReferralStatus.Requested, (await LoadAsync(requested.OnwardReferralId))!.Status);
    }

    [Fact]
    public async Task A_withdrawal_delivered_twice_cancels_once_and_a_finished_one_stays_as_it_is()
    {
        var provider = Guid.NewGuid();
        var open = await ArrivedAsync(provider);
        var finished = await ArrivedAsync(provider);
        var client = ClientFor(provider);
        await OkAsync(await client.PostAsJsonAsync($"/api/provider/referrals/{finished.OnwardReferralId}/reject", new { reason = "out-of-area" }));

        var withdrawal = new OnwardReferralWithdrawn(open.OnwardReferralId, open.ReferralId, open.LinkWorkerServiceId, provider, "withdrawn", DateTimeOffset.UtcNow);
        var messageId = Guid.NewGuid();
        await infrastructure.PublishAsync(withdrawal, messageId);
        await infrastructure.PublishAsync(withdrawal, messageId);
        // The same withdrawal published again under a new id (a republished event) must not cancel twice either.
        await infrastructure.PublishAsync(withdrawal, Guid.NewGuid());
        var finishedWithdrawal = new OnwardReferralWithdrawn(
            finished.OnwardReferralId, finished.ReferralId, finished.LinkWorkerServiceId, provider, "referral-cancelled", DateTimeOffset.UtcNow);
        var finishedMessageId = Guid.NewGuid();
        await infrastructure.PublishAsync(finishedWithdrawal, finishedMessageId);

        await Eventually.GetAsync(async () => (await LoadAsync(open.OnwardReferralId))!.Status == OnwardReferralStatus.Cancelled ? "cancelled" : null,
            "the withdrawn onward referral cancelled");
        await Eventually.GetAsync(async () =>
        {
            await using var session = infrastructure.CommunityProviders.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return await session.LoadAsync<ReferralNetwork.Messaging.HandledMessage>($"communityproviders-inbox:{finishedMessageId:N}");
        }, "the withdrawal of the finished one handled");
        await Task.Delay(1000);

        Assert.Single((await EventsOfAsync(open.OnwardReferralId)).OfType<OnwardReferralCancelled>());
        var cancelled = (await client.GetFromJsonAsync<OnwardReferralView>($"/api/provider/referrals/{open.OnwardReferralId}"))!;
        Assert.Equal(("cancelled", "withdrawn"), (cancelled.Status, cancelled.StatusReason));
        Assert.Empty((await EventsOfAsync(finished.OnwardReferralId)).OfType<OnwardReferralCancelled>());
        Assert.Equal(OnwardReferralStatus.Rejected, (await LoadAsync(finished.OnwardReferralId))!.Status);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/provider/referrals/{open.OnwardReferralId}/accept", null)).StatusCode);
    }

    [Fact]
    public async Task An_onward_referral_never_acknowledged_is_reminded_escalated_and_expires_once_each()
    {
        var provider = Guid.NewGuid();
        var ignored = await ArrivedAsync(provider);
        var acknowledged = await ArrivedAsync(provider);
        await OkAsync(await ClientFor(provider).PostAsync($"/api/provider/referrals/{acknowledged.OnwardReferralId}/acknowledge", null));

        // A second instance of the service with second-long delays, started only now: the deadlines
        // come from the store, not from a timer the instance that received them kept.
        await using var sla = WithShortDeadlines();
        _ = sla.Server;
        Assert.DoesNotContain(sla.Services.GetServices<IHostedService>(), h => IsBusOrDaemon(h.GetType()));

        var expired = await Eventually.GetAsync(async () =>
        {
            var referral = await LoadAsync(ignored.OnwardReferralId);
            return referral!.Status == OnwardReferralStatus.Failed ? referral : null;
        }, "the ignored onward referral expired", seconds: 30);
        Assert.Equal(ProviderReferral.NoResponse, expired.StatusReason);
        Assert.NotNull(expired.RemindedAt);
        Assert.NotNull(expired.EscalatedAt);

        // More passes run meanwhile; none may take a step again.
        await Task.Delay(1500);
        var events = await EventsOfAsync(ignored.OnwardReferralId);
        Assert.Single(events.OfType<OnwardReferralReminded>());
        Assert.Single(events.OfType<OnwardReferralEscalated>());
        Assert.Single(events.OfType<OnwardReferralExpired>());
        Assert.Equal(
            [typeof(OnwardReferralArrived), typeof(OnwardReferralReminded), typeof(OnwardReferralEscalated), typeof(OnwardReferralExpired)],
            events.Select(e => e.GetType()));

        var view = (await ClientFor(provider, sla).GetFromJsonAsync<OnwardReferralView>($"/api/provider/referrals/{ignored.OnwardReferralId}"))!;
        Assert.Equal(("failed", "no-response"), (view.Status, view.StatusReason));
        Assert.NotNull(view.RemindedAt);
        Assert.NotNull(view.EscalatedAt);

        Assert.Equal([typeof(OnwardReferralArrived), typeof(OnwardReferralAcknowledged)], (await EventsOfAsync(acknowledged.OnwardReferralId)).Select(e => e.GetType()));
    }

    [Fact]
    public async Task An_onward_referral_delivered_after_its_whole_window_gets_the_full_window_from_its_arrival()
    {
        // Referred on longer ago than the provider has to acknowledge at all: a delivery held up that long
        // (a broker outage, a queue behind) must not reach the provider already failed as no-response.
        var policy = infrastructure.CommunityProviders.Services.GetRequiredService<IOptions<AcknowledgementPolicy>>().Value;
        var referredAt = DateTimeOffset.UtcNow - policy.ExpireAfter - TimeSpan.FromDays(1);
        var provider = Guid.NewGuid();
        var beforeArrival = DateTimeOffset.UtcNow;
        var late = await ArrivedAsync(provider, referredAt);
        var arrived = (await LoadAsync(late.OnwardReferralId))!;
        Assert.InRange(arrived.ReceivedAt, beforeArrival, DateTimeOffset.UtcNow);
        Assert.Equal(referredAt, arrived.ReferredAt);

        // A pass of the deadline worker with the service's own delays and clock, as the running one makes.
        var worker = new AcknowledgementDeadlineWorker(
            infrastructure.CommunityProviders.Services.GetRequiredService<IDocumentStore>(), Options.Create(policy), TimeProvider.System,
            NullLogger<AcknowledgementDeadlineWorker>.Instance, AlwaysThisInstance.Work);
        await worker.CheckAsync(policy, CancellationToken.None);

        Assert.Equal([typeof(OnwardReferralArrived)], (await EventsOfAsync(late.OnwardReferralId)).Select(e => e.GetType()));
        var view = (await ClientFor(provider).GetFromJsonAsync<JsonElement>($"/api/provider/referrals/{late.OnwardReferralId}"))!;
        Assert.Equal("requested", view.GetProperty("status").GetString());
        Assert.Equal(arrived.ReceivedAt, view.GetProperty("receivedAt").GetDateTimeOffset());
        Assert.Equal(referredAt, view.GetProperty("referredAt").GetDateTimeOffset());

        // Its window is the whole of it, counted from the arrival.
        Assert.Empty(Deadlines.Due(arrived, arrived.ReceivedAt + policy.RemindAfter - TimeSpan.FromSeconds(1), policy));
        Assert.IsType<OnwardReferralExpired>(Deadlines.Due(arrived, arrived.ReceivedAt + policy.ExpireAfter, policy)[^1]);
    }

    /// <summary>
    /// The service with second-long acknowledgement delays on the same database. Its own bus and async
    /// daemon stay off: the shared host already consumes the queues one at a time and relays the log,
    /// and a second relay or consumer would compete with it for the rest of the collection.
    /// </summary>
    private static WebApplicationFactory<CommunityProviders.ProviderEvents> WithShortDeadlines() =>
        new WebApplicationFactory<CommunityProviders.ProviderEvents>().WithWebHostBuilder(b => b
            .UseSetting("Acknowledgement:RemindAfter", "00:00:01")
            .UseSetting("Acknowledgement:EscalateAfter", "00:00:02")
            .UseSetting("Acknowledgement:ExpireAfter", "00:00:03")
            .UseSetting("Acknowledgement:CheckEvery", "00:00:00.200")
            .ConfigureTestServices(services =>
            {
                foreach (var hosted in services.Where(d => d.ServiceType == typeof(IHostedService) && IsBusOrDaemon(d)).ToList())
                {
                    services.Remove(hosted);
                }
            }));

    private static bool IsBusOrDaemon(ServiceDescriptor descriptor) =>
        !descriptor.IsKeyedService
        && (IsBusOrDaemon(descriptor.ImplementationType)
        || IsBusOrDaemon(descriptor.ImplementationInstance?.GetType())
        || IsBusOrDaemon(descriptor.ImplementationFactory?.Method.ReturnType)
        || IsBusOrDaemon(descriptor.ImplementationFactory?.Method.DeclaringType));

    private static bool IsBusOrDaemon(Type? type) =>
        type?.Assembly.GetName().Name is { } assembly
        && (assembly.StartsWith("MassTransit", StringComparison.Ordinal)
            || assembly.StartsWith("Marten", StringComparison.Ordinal)
            || assembly.StartsWith("JasperFx", StringComparison.Ordinal));
}
