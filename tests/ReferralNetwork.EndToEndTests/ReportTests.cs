using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests;

/// <summary>Commissioner reports, public feedback and involvement through the gateway (partner-api.md §6).</summary>
[Collection(RunningNetworkCollection.Name)]
public class ReportTests(RunningNetwork network)
{
    [Fact]
    public async Task A_commissioner_gets_a_suppressed_summary_and_csv_and_sees_public_suggestions_with_themes()
    {
        var journey = await Journey.StartAsync(network, "reports");
        var commissioner = await network.RegisterAsync("North Commissioning", "commissioner", journey.Area);
        await journey.ReferralInProgressAsync();

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var url = $"/api/reports/summary?area={journey.Area}&from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}";
        var report = await Eventually.GetAsync<JsonElement?>(async () =>
        {
            var body = await Json.ReadAsync(await commissioner.Client.GetAsync(url));
            return Suppressed(body.GetProperty("funnel").GetProperty("inProgress")) && body.GetProperty("providerCapacity").GetArrayLength() == 1 ? body : null;
        }, "the referral's journey in the report");
        var r = report!.Value;

        // One referral: every count of it is suppressed, zeros are shown, statistics are suppressed.
        Assert.True(Suppressed(r.GetProperty("referrals").GetProperty("total")));
        Assert.True(Suppressed(r.GetProperty("referrals").GetProperty("byPathway").GetProperty("gp")));
        Assert.Equal(0, r.GetProperty("referrals").GetProperty("byPathway").GetProperty("self-referral").GetProperty("value").GetInt32());
        Assert.True(Suppressed(r.GetProperty("funnel").GetProperty("accepted")));
        Assert.True(Suppressed(r.GetProperty("waitingTimes").GetProperty("toAcceptance").GetProperty("medianHours")));
        Assert.True(Suppressed(r.GetProperty("waitingTimes").GetProperty("toFirstContactAttempt").GetProperty("p90Hours")));
        Assert.Equal(JsonValueKind.Array, r.GetProperty("outcomeChange").ValueKind);
        Assert.Equal(JsonValueKind.Object, r.GetProperty("onwardReferrals").GetProperty("byRejectReason").ValueKind);
        Assert.Equal(5, r.GetProperty("suppression").GetProperty("threshold").GetInt32());
        var capacity = r.GetProperty("providerCapacity")[0];
        Assert.Equal((12, 5), (capacity.GetProperty("maximum").GetInt32(), capacity.GetProperty("available").GetInt32()));
        var worker = Assert.Single(r.GetProperty("linkWorkers").EnumerateArray());
        Assert.Equal("Sam Jones", worker.GetProperty("name").GetString());
        Assert.True(Suppressed(worker.GetProperty("activeCases")));

        var csvResponse = await commissioner.Client.GetAsync(url + "&format=csv");
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType?.MediaType);
        var csv = await csvResponse.Content.ReadAsStringAsync();
        Assert.StartsWith("section,metric,value\n", csv, StringComparison.Ordinal);
        Assert.Contains("\nreferrals,total,*\n", csv, StringComparison.Ordinal);
        Assert.Contains("\nreferrals,pathway.self-referral,0\n", csv, StringComparison.Ordinal);

        foreach (var text in new[] { r.GetRawText(), csv })
        {
            foreach (var personal in new[] { "Ada", "Lovelace", "9434765919", "L1 8JQ", "1950-12-10", "07700900123", "bereaved" })
            {
                Assert.DoesNotContain(personal, text, StringComparison.OrdinalIgnoreCase);
            }
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await journey.Gp.Client.GetAsync(url)).StatusCode);

        // The public route: no token at all.
        using var anonymous = new HttpClient { BaseAddress = network.Gateway.BaseAddress };
        var feedback = await Eventually.GetAsync(async () =>
        {
            var response = await anonymous.PostAsJsonAsync("/api/feedback", new { serviceId = journey.ServiceId, rating = 4, comment = "Friendly walk." });
            return response.StatusCode == HttpStatusCode.Created ? response : null;
        }, "the feedback service to know the service");
        Assert.Equal(JsonValueKind.String, (await Json.ReadAsync(feedback)).GetProperty("id").ValueKind);

        var suggestion = await anonymous.PostAsJsonAsync("/api/involvement/suggestions",
            new { area = journey.Area, text = "Advice on debt and paying the bills, near the bus station." });
        Assert.Equal(HttpStatusCode.Created, suggestion.StatusCode);

        var suggestions = await Json.ReadAsync(await commissioner.Client.GetAsync("/api/involvement/suggestions"));
        var item = Assert.Single(suggestions.GetProperty("suggestions").EnumerateArray());
        Assert.Equal(["debt-and-money"], item.GetProperty("themes").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(1, suggestions.GetProperty("themes").GetProperty("debt-and-money").GetInt32());
        Assert.Equal(HttpStatusCode.Forbidden, (await journey.Gp.Client.GetAsync("/api/involvement/suggestions")).StatusCode);
    }

    private static bool Suppressed(JsonElement figure) =>
        figure.GetProperty("suppressed").GetBoolean() && figure.GetProperty("value").ValueKind == JsonValueKind.Null;
}
