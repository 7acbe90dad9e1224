using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ReferralNetwork.Gateway.RateLimiting;

namespace ReferralNetwork.UnitTests.Gateway;

/// <summary>Only a configured proxy may say whose a request is; a client cannot choose its own rate-limit bucket.</summary>
public class TrustedProxiesTests
{
    [Theory]
    [InlineData(null, "127.0.0.1", "127.0.0.1")] // none configured: not even loopback, the framework's default
    [InlineData(null, "203.0.113.9", "203.0.113.9")]
    [InlineData("10.0.0.0/8", "10.1.2.3", "198.51.100.7")] // from the load balancer: its word counts
    [InlineData("10.0.0.0/8", "203.0.113.9", "203.0.113.9")] // from anyone else: ignored
    [InlineData("10.1.2.3", "10.1.2.3", "198.51.100.7")]
    public async Task The_client_address_is_taken_from_x_forwarded_for_only_from_a_trusted_proxy(string? trusted, string from, string seen)
    {
        var options = Build(trusted is null ? [] : new() { ["TrustedProxies:Networks:0"] = trusted });
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(from);
        // The client's own claim first, then what the last proxy appended.
        http.Request.Headers["X-Forwarded-For"] = "192.0.2.66, 198.51.100.7";

        await new ForwardedHeadersMiddleware(_ => Task.CompletedTask, NullLoggerFactory.Instance, options).Invoke(http);

        Assert.Equal(IPAddress.Parse(seen), http.Connection.RemoteIpAddress);
    }

    [Fact]
    public void A_setting_that_is_not_an_address_stops_the_start()
    {
        var services = Services(new() { ["TrustedProxies:Networks:0"] = "the load balancer" });

        var refused = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.StartsWith("TrustedProxies:Networks ", Assert.Single(refused.Failures));
    }

    private static IOptions<ForwardedHeadersOptions> Build(Dictionary<string, string?> settings) =>
        Services(settings).GetRequiredService<IOptions<ForwardedHeadersOptions>>();

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddTrustedProxies();
        return services.BuildServiceProvider();
    }
}
