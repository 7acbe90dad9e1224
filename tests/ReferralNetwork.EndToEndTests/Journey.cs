using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests;

/// <summary>The parties of one area, registered through the gateway, and the steps they take.</summary>
public sealed class Journey(string area)
{
    public string Area { get; } = area;

    public Partner Gp { get; private set; } = null!;

    public Partner LinkWorkers { get; private set; } = null!;

    public Partner Provider { get; private set; } = null!;

    public Guid ServiceId { get; private set; }

    public static async Task<Journey> StartAsync(AspireNetwork network, string name, int maxActiveCases = 20)
    {
        var journey = new Journey(name + "-" + Guid.NewGuid().ToString("N")[..6]);
        journey.Gp = await network.RegisterAsync("Riverside Surgery", "gp-practice", journey.Area);
        journey.LinkWorkers = await network.RegisterAsync("North Link Workers", "link-worker-service", journey.Area);
        journey.Provider = await network.RegisterAsync("Green Steps", "community-provider", journey.Area);
        journey.ServiceId = await journey.ListServiceAsync(journey.Provider, "Stanley Park walking group");
        await Json.ReadAsync(await journey.LinkWorkers.Client.PostAsJsonAsync("/api/link-workers", new { name = "Sam Jones", maxActiveCases }));
        return journey;
    }

    public async Task<Guid> ListServiceAsync(Partner provider, string name) =>
        (await Json.ReadAsync(await provider.Client.PostAsJsonAsync("/api/directory/services", new
        {
            name, description = "Gentle walks, tea afterwards.", categories = new[] { "physical-activity", "loneliness" },
            area = Area, postcode = "L4 0TD", schedule = "Tuesdays 10:00", cost = "free", eligibility = new { minAge = 18 },
            accessibility = new[] { "step-free" }, referralMode = "direct", capacity = new { maximum = 12, available = 5 },
        }))).GetProperty("id").GetGuid();

    /// <summary>Refers, waits for routing, accepts and reaches the person: the referral is in progress.</summary>
    public async Task<Guid> ReferralInProgressAsync(string share = "full")
    {
        var body = JsonSerializer.Serialize(ReferralJourneyTests.Referral()).Replace("\"full\"", $"\"{share}\"");
        var id = (await Json.ReadAsync(await Gp.Client.PostAsync("/api/referrals", new StringContent(body, System.Text.Encoding.UTF8, "application/json"))))
            .GetProperty("id").GetGuid();
        await SeenByGpAsync(id, r => r.GetProperty("linkWorkerService").ValueKind == JsonValueKind.Object, "routing");
        await Json.ReadAsync(await LinkWorkers.Client.PostAsJsonAsync($"/api/cases/{id}/accept", new { }));
        await Json.ReadAsync(await LinkWorkers.Client.PostAsJsonAsync($"/api/cases/{id}/contacts", new { outcome = "reached" }));
        await SeenByGpAsync(id, r => r.GetProperty("status").GetString() == "in-progress", "in-progress");
        return id;
    }

    /// <summary>The link worker refers the person on, once the directory copy has the service.</summary>
    public async Task<Guid> ReferOnAsync(Guid referralId, Guid serviceId) =>
        (await Eventually.GetAsync<JsonElement?>(async () =>
        {
            var response = await LinkWorkers.Client.PostAsJsonAsync($"/api/cases/{referralId}/onward-referrals", new { serviceId });
            return response.StatusCode == HttpStatusCode.Created ? await Json.ReadAsync(response) : null;
        }, "the link-worker service's directory copy"))!.Value.GetProperty("id").GetGuid();

    /// <summary>Waits until the provider's inbox holds the onward referral.</summary>
    public Task<JsonElement> InboxItemAsync(Partner provider, Guid onwardId, Func<JsonElement, bool>? until = null) =>
        Eventually.GetAsync<JsonElement?>(async () =>
        {
            var response = await provider.Client.GetAsync($"/api/provider/referrals/{onwardId}");
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            var item = await Json.ReadAsync(response);
            return until is null || until(item) ? item : null;
        }, "the provider's inbox").ContinueWith(t => t.Result!.Value);

    public Task<JsonElement> SeenByGpAsync(Guid id, Func<JsonElement, bool> until, string what, int seconds = 45) =>
        SeenByAsync(Gp, $"/api/referrals/{id}", until, what, seconds);

    public static Task<JsonElement> SeenByAsync(Partner partner, string path, Func<JsonElement, bool> until, string what, int seconds = 45) =>
        Eventually.GetAsync<JsonElement?>(async () =>
        {
            var value = await Json.ReadAsync(await partner.Client.GetAsync(path));
            return until(value) ? value : null;
        }, what, seconds).ContinueWith(t => t.Result!.Value);

    public static JsonElement Onward(JsonElement referral, Guid onwardId) =>
        referral.GetProperty("onwardReferrals").EnumerateArray().Single(o => o.GetProperty("id").GetGuid() == onwardId);

    /// <summary>The onward referral's status as the referral shows it, or null while it has not arrived there.</summary>
    public static string? OnwardStatus(JsonElement referral, Guid onwardId) =>
        referral.GetProperty("onwardReferrals").EnumerateArray()
            .Where(o => o.GetProperty("id").GetGuid() == onwardId)
            .Select(o => o.GetProperty("status").GetString())
            .FirstOrDefault();
}

public static class Json
{
    /// <summary>Every item of a paged list (partner-api.md's conventions), page by page.</summary>
    public static async Task<List<JsonElement>> ReadAllPagesAsync(HttpClient client, string path)
    {
        var items = new List<JsonElement>();
        for (var page = 1; ; page++)
        {
            var read = await ReadAsync(await client.GetAsync($"{path}{(path.Contains('?') ? '&' : '?')}page={page}&pageSize=500"));
            var onPage = read.GetProperty("items").EnumerateArray().ToList();
            items.AddRange(onPage);
            if (onPage.Count == 0 || items.Count >= read.GetProperty("totalItems").GetInt32())
            {
                return items;
            }
        }
    }

    /// <summary>The caller's event feed (partner-api.md §7) from the start, followed with <c>next</c> in pages of <paramref name="pageSize"/>.</summary>
    public static async Task<List<JsonElement>> ReadFeedAsync(HttpClient client, int pageSize)
    {
        var events = new List<JsonElement>();
        string? cursor = null;
        while (true)
        {
            var page = await ReadAsync(await client.GetAsync($"/api/events?limit={pageSize}" + (cursor is null ? "" : $"&after={Uri.EscapeDataString(cursor)}")));
            var onPage = page.GetProperty("events").EnumerateArray().ToList();
            Assert.True(onPage.Count <= pageSize);
            events.AddRange(onPage);
            var next = page.GetProperty("next").GetString();
            if (onPage.Count == 0)
            {
                Assert.Equal(cursor ?? next, next);
                return events;
            }

            cursor = next;
        }
    }

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
