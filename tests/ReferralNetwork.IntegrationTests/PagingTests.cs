using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ReferralNetwork.Contracts;
using ReferralNetwork.IntegrationTests.Infrastructure;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// Every list is paged alike (partner-api.md Conventions): a page past the end, however far, is an empty
/// page and never a 500; v1.0's bare arrays stay bare unless a page is asked for; bad values are refused.
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public class PagingTests(RealInfrastructure infrastructure)
{
    public enum Service { Referrals, LinkWorkers, CommunityProviders, Feedback }

    /// <summary>Each list, the kind that may read it, and whether v1.0 answered it as a bare array.</summary>
    public static TheoryData<Service, string, OrganisationKind, bool> Lists => new()
    {
        { Service.Referrals, "/api/referrals", OrganisationKind.GpPractice, false },
        { Service.LinkWorkers, "/api/cases", OrganisationKind.LinkWorkerService, true },
        { Service.LinkWorkers, "/api/cases/queue", OrganisationKind.LinkWorkerService, true },
        { Service.LinkWorkers, "/api/link-workers", OrganisationKind.LinkWorkerService, true },
        { Service.CommunityProviders, "/api/provider/referrals", OrganisationKind.CommunityProvider, true },
        { Service.CommunityProviders, "/api/directory/services", OrganisationKind.GpPractice, true },
    };

    private HttpClient ClientFor(Service service, OrganisationKind kind, Guid? organisation = null, string area = "liverpool-north")
    {
        var client = service switch
        {
            Service.Referrals => infrastructure.Referrals.CreateClient(),
            Service.LinkWorkers => infrastructure.LinkWorkers.CreateClient(),
            Service.CommunityProviders => infrastructure.CommunityProviders.CreateClient(),
            _ => infrastructure.Feedback.CreateClient(),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation ?? Guid.NewGuid(), kind, area));
        return client;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task A_huge_page_is_an_empty_page_not_a_500(Service service, string path, OrganisationKind kind, bool bare)
    {
        _ = bare;
        var client = ClientFor(service, kind);
        var page = await JsonAsync(await client.GetAsync($"{path}?page={int.MaxValue}&pageSize=500"));
        Assert.Empty(page.GetProperty("items").EnumerateArray());
        Assert.Equal(int.MaxValue, page.GetProperty("page").GetInt32());
        Assert.Equal(500, page.GetProperty("pageSize").GetInt32());
        Assert.True(page.GetProperty("totalItems").GetInt32() >= 0);
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task Without_page_parameters_a_v1_bare_array_stays_bare(Service service, string path, OrganisationKind kind, bool bare)
    {
        var body = await JsonAsync(await ClientFor(service, kind).GetAsync(path));
        Assert.Equal(bare ? JsonValueKind.Array : JsonValueKind.Object, body.ValueKind);

        var asked = await JsonAsync(await ClientFor(service, kind).GetAsync($"{path}?pageSize=5"));
        Assert.Equal(JsonValueKind.Object, asked.ValueKind);
        Assert.Equal((1, 5), (asked.GetProperty("page").GetInt32(), asked.GetProperty("pageSize").GetInt32()));
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task Out_of_range_paging_is_422_and_a_non_number_400(Service service, string path, OrganisationKind kind, bool bare)
    {
        _ = bare;
        var client = ClientFor(service, kind);
        foreach (var (query, field) in new[] { ("page=0", "page"), ("pageSize=0", "pageSize"), ("pageSize=501", "pageSize") })
        {
            var response = await client.GetAsync($"{path}?{query}");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var problem = JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync());
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), query);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"{path}?page=first")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"{path}?page=2147483648")).StatusCode);
    }

    [Fact]
    public async Task Referrals_are_paged_in_order_and_a_page_past_the_end_is_empty()
    {
        var gp = Guid.NewGuid();
        var client = ClientFor(Service.Referrals, OrganisationKind.GpPractice, gp);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody())).StatusCode);
        }

        var first = await JsonAsync(await client.GetAsync("/api/referrals?pageSize=2"));
        var second = await JsonAsync(await client.GetAsync("/api/referrals?page=2&pageSize=2"));
        var beyond = await JsonAsync(await client.GetAsync("/api/referrals?page=3&pageSize=2"));
        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        Assert.Single(second.GetProperty("items").EnumerateArray());
        Assert.Empty(beyond.GetProperty("items").EnumerateArray());
        Assert.All(new[] { first, second, beyond }, p => Assert.Equal(3, p.GetProperty("totalItems").GetInt32()));
        var ids = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(r => r.GetProperty("id").GetGuid());
        Assert.Equal(3, ids.Distinct().Count());
    }

    [Fact]
    public async Task A_referrals_messages_and_timeline_are_paged_and_stay_bare_arrays_without_paging()
    {
        var gp = Guid.NewGuid();
        var client = ClientFor(Service.Referrals, OrganisationKind.GpPractice, gp);
        var id = (await JsonAsync(await client.PostAsJsonAsync("/api/referrals", ReferralServiceTests.ReferralBody()))).GetProperty("id").GetGuid();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/referrals/{id}/messages", new { text = $"Note {i}" })).StatusCode);
        }

        var messages = await JsonAsync(await client.GetAsync($"/api/referrals/{id}/messages?page=2&pageSize=2"));
        Assert.Equal("Note 2", Assert.Single(messages.GetProperty("items").EnumerateArray()).GetProperty("text").GetString());
        Assert.Equal(3, messages.GetProperty("totalItems").GetInt32());
        var bare = await client.GetAsync($"/api/referrals/{id}/messages");
        Assert.Equal(3, (await JsonAsync(bare)).GetArrayLength());
        Assert.Equal("3", bare.Headers.GetValues("X-Total-Count").Single());

        var timeline = await JsonAsync(await client.GetAsync($"/api/referrals/{id}/timeline?pageSize=1"));
        Assert.Equal("referral.requested", Assert.Single(timeline.GetProperty("items").EnumerateArray()).GetProperty("type").GetString());
        Assert.Equal(4, timeline.GetProperty("totalItems").GetInt32());
        Assert.Empty((await JsonAsync(await client.GetAsync($"/api/referrals/{id}/timeline?page={int.MaxValue}&pageSize=500"))).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.GetAsync($"/api/referrals/{id}/timeline?pageSize=501")).StatusCode);
    }

    [Fact]
    public async Task The_directory_pages_a_category_search_in_the_database_and_the_bare_array_says_when_it_was_cut()
    {
        var area = "paging-" + Guid.NewGuid().ToString("N")[..8];
        // A provider lists only in its own area.
        var provider = ClientFor(Service.CommunityProviders, OrganisationKind.CommunityProvider, area: area);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await provider.PostAsJsonAsync("/api/directory/services", CommunityProviderServiceTests.WalkingGroup(area))).StatusCode);
        }

        var reader = ClientFor(Service.CommunityProviders, OrganisationKind.GpPractice);
        var bare = await reader.GetAsync($"/api/directory/services?area={area}&category=loneliness");
        Assert.Equal(3, (await JsonAsync(bare)).GetArrayLength());
        Assert.Equal("3", bare.Headers.GetValues("X-Total-Count").Single());
        Assert.False(bare.Headers.Contains("Link"));

        var paged = await JsonAsync(await reader.GetAsync($"/api/directory/services?area={area}&category=loneliness&page=2&pageSize=2"));
        Assert.Single(paged.GetProperty("items").EnumerateArray());
        Assert.Equal(3, paged.GetProperty("totalItems").GetInt32());
        Assert.Equal(0, (await JsonAsync(await reader.GetAsync($"/api/directory/services?area={area}&category=housing&pageSize=5"))).GetProperty("totalItems").GetInt32());
    }

    [Fact]
    public async Task Open_referral_answers_a_huge_page_with_an_empty_page()
    {
        var anonymous = infrastructure.CommunityProviders.CreateClient();
        var page = await JsonAsync(await anonymous.GetAsync($"/openreferral/services?page={int.MaxValue}&per_page=500"));
        Assert.Empty(page.GetProperty("content").EnumerateArray());
        Assert.Equal(int.MaxValue, page.GetProperty("number").GetInt32());
    }

    [Fact]
    public async Task Suggestions_are_paged_and_their_themes_count_the_whole_area()
    {
        var area = "paging-" + Guid.NewGuid().ToString("N")[..8];
        var anonymous = infrastructure.Feedback.CreateClient();
        foreach (var text in new[] { "A lunch club for lonely people.", "Help with debt and bills.", "More walks in the park." })
        {
            Assert.Equal(HttpStatusCode.Created, (await anonymous.PostAsJsonAsync("/api/involvement/suggestions", new { area, text })).StatusCode);
        }

        var commissioner = ClientFor(Service.Feedback, OrganisationKind.Commissioner);
        commissioner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", infrastructure.TokenFor(Guid.NewGuid(), OrganisationKind.Commissioner, area: area));
        var page = await JsonAsync(await commissioner.GetAsync("/api/involvement/suggestions?pageSize=1"));
        Assert.Single(page.GetProperty("suggestions").EnumerateArray());
        Assert.Equal(3, page.GetProperty("totalItems").GetInt32());
        Assert.Equal(1, page.GetProperty("themes").GetProperty("debt-and-money").GetInt32());
        Assert.Equal(1, page.GetProperty("themes").GetProperty("loneliness").GetInt32());

        var huge = await JsonAsync(await commissioner.GetAsync($"/api/involvement/suggestions?page={int.MaxValue}"));
        Assert.Empty(huge.GetProperty("suggestions").EnumerateArray());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await commissioner.GetAsync("/api/involvement/suggestions?pageSize=0")).StatusCode);
    }

    [Fact]
    public async Task A_self_referral_with_twenty_thousand_bad_needs_gets_a_small_problem()
    {
        var anonymous = infrastructure.Referrals.CreateClient();
        var body = new
        {
            person = new { givenName = "Ada", familyName = "Lovelace", dateOfBirth = "1950-12-10", postcode = "L1 8JQ", phone = "07700900123", preferredContact = "phone" },
            needs = Enumerable.Range(0, 20_000).Select(i => $"n{i}").ToArray(),
            urgency = "routine",
            area = "liverpool-north",
            consent = new { given = true, recordedAt = "2026-11-20T10:00:00Z", shareWithReferrer = "full" },
        };
        var response = await anonymous.PostAsJsonAsync("/api/self-referrals", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(text.Length < 10_000, $"{text.Length} characters");
        Assert.Contains("\"needs\"", text);
    }
}
