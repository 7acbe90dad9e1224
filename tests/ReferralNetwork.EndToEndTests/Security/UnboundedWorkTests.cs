using System.Net;
using System.Text.Json;

namespace ReferralNetwork.EndToEndTests.Security;

/// <summary>Paging through the gateway: a page number chosen to overflow is an empty page, never a 500.</summary>
[Collection(RunningNetworkCollection.Name)]
public class UnboundedWorkTests(RunningNetwork network)
{
    [Theory]
    [InlineData("/api/referrals?page=2147483647")]
    [InlineData("/api/referrals?page=2147483647&pageSize=500")]
    public async Task A_huge_page_of_referrals_is_200_and_empty(string path)
    {
        var gp = await network.RegisterAsync("Overflow Surgery", "gp-practice", "security-tests");
        var response = await gp.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Empty(body.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(int.MaxValue, body.RootElement.GetProperty("page").GetInt32());
    }

    [Fact]
    public async Task A_huge_open_referral_page_is_200_and_empty()
    {
        var response = await network.Gateway.GetAsync("/openreferral/services?page=2147483647&per_page=500");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Empty(body.RootElement.GetProperty("content").EnumerateArray());
    }
}
