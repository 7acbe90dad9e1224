using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace ReferralNetwork.EndToEndTests;

/// <summary>
/// A referral submitted while RabbitMQ is down is not lost: the relay publishes it once the broker is
/// back, and a service restarted meanwhile starts without it. The broker is stopped and started as an
/// operator would, with the dashboard's commands, and a stop asked for stays a stop: the AppHost's crash
/// restarts leave it alone.
/// </summary>
[Collection(RunningNetworkCollection.Name)]
public class BrokerRestartTests(RunningNetwork network)
{
    [Fact]
    public async Task A_referral_made_while_the_broker_restarts_is_still_routed_once()
    {
        var area = "restart-" + Guid.NewGuid().ToString("N")[..6];
        var gp = await network.RegisterAsync("Quayside Surgery", "gp-practice", area);
        var linkWorkers = await network.RegisterAsync("Quayside Link Workers", "link-worker-service", area);

        // Let the link-worker service learn its organisation before the broker goes away.
        var probe = await gp.Client.PostAsJsonAsync("/api/referrals", ReferralJourneyTests.Referral());
        var probeId = JsonDocument.Parse(await probe.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        await RoutedAsync(gp, probeId);

        Assert.True((await network.CommandAsync("rabbitmq", KnownResourceCommands.StopCommand)).Success);
        await network.App.ResourceNotifications.WaitForResourceAsync("rabbitmq", KnownResourceStates.TerminalStates);

        // The referral service restarted (as after a crash) while the broker is down comes back at once and takes
        // referrals: before, the AppHost held its start until the broker was back.
        Assert.True((await network.CommandAsync("referrals", KnownResourceCommands.RestartCommand).WaitAsync(TimeSpan.FromSeconds(60))).Success);
        await Eventually.GetAsync(async () =>
        {
            using var served = await gp.Client.GetAsync($"/api/referrals/{probeId}");
            return served.IsSuccessStatusCode ? "served" : null;
        }, "the restarted referral service to serve through the gateway", seconds: 60);
        var submitted = await gp.Client.PostAsJsonAsync("/api/referrals", ReferralJourneyTests.Referral());
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        // Longer than the first crash restarts' backoff: a stopped broker stays stopped.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Contains(await network.StateAsync("rabbitmq"), KnownResourceStates.TerminalStates);
        Assert.True((await network.CommandAsync("rabbitmq", KnownResourceCommands.StartCommand)).Success);

        var routed = await RoutedAsync(gp, id, seconds: 120);
        Assert.Equal(linkWorkers.Id, routed.GetProperty("linkWorkerService").GetProperty("id").GetGuid());

        var cases = JsonDocument.Parse(await linkWorkers.Client.GetStringAsync("/api/cases")).RootElement;
        Assert.Single(cases.EnumerateArray(), c => c.GetProperty("id").GetGuid() == id);
        var timeline = JsonDocument.Parse(await gp.Client.GetStringAsync($"/api/referrals/{id}/timeline")).RootElement;
        Assert.Single(timeline.EnumerateArray(), e => e.GetProperty("type").GetString() == "referral.requested");
    }

    private static Task<JsonElement> RoutedAsync(Partner gp, Guid id, int seconds = 45) =>
        Eventually.GetAsync<JsonElement?>(async () =>
        {
            var response = await gp.Client.GetAsync($"/api/referrals/{id}");
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            var referral = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            return referral.GetProperty("linkWorkerService").ValueKind == JsonValueKind.Object ? referral : null;
        }, "the referral to be routed", seconds).ContinueWith(t => t.Result!.Value);
}
