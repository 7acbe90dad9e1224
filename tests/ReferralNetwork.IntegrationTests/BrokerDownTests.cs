using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReferralNetwork.Contracts;
using ReferralNetwork.IntegrationTests.Infrastructure;
using Published = ReferralNetwork.Contracts.Referrals;

namespace ReferralNetwork.IntegrationTests;

/// <summary>Issue 13 item 1: a service started while the broker is down serves its API, stays up and catches up.</summary>
[Collection(RealInfrastructureCollection.Name)]
public class BrokerDownTests(RealInfrastructure infrastructure)
{
    [Fact]
    public async Task A_service_started_without_its_broker_takes_referrals_stays_up_reports_the_broker_degraded_and_publishes_once_it_is_there()
    {
        // Before, the host's start waited 60 s for the bus and then failed.
        var start = Task.Run(() => ServiceOfItsOwn.ReferralsWithoutBrokerAsync(infrastructure));
        Assert.True(await Task.WhenAny(start, Task.Delay(TimeSpan.FromSeconds(30))) == start, "The service did not start without its broker.");
        await using var service = await start;
        var gp = service.ClientFor(Guid.NewGuid(), OrganisationKind.GpPractice, "liverpool-north");

        var submitted = await gp.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody());
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        // Past the 60 s the old start allowed: still serving, ready, and saying why the broker is not.
        await Task.Delay(TimeSpan.FromSeconds(65));
        Assert.Equal(HttpStatusCode.Created, (await gp.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody())).StatusCode);
        var health = await gp.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var broker = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("broker");
        Assert.Equal("degraded", broker.GetProperty("status").GetString());

        await service.StartBrokerAsync();
        await Eventually.GetAsync(() => service.PublishedOf<Published.ReferralRequested>().Any(p => p.Message.ReferralId == id) ? "published" : null,
            "the referral taken without a broker to be published once there is one", seconds: 90);
    }
}
