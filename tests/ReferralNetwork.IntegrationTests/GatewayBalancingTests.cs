using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReferralNetwork.IntegrationTests.Infrastructure;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// Several instances of a service behind the gateway (issue 16): requests are spread over them, and once one
/// stops answering the gateway stops sending it requests, by the active checks of its /alive and the passive
/// ones of the traffic (appsettings.json).
/// </summary>
[Collection(RealInfrastructureCollection.Name)]
public sealed class GatewayBalancingTests(RealInfrastructure infrastructure)
{
    [Fact]
    public async Task Requests_are_spread_over_a_services_instances_and_one_that_stops_is_left_out_within_seconds()
    {
        await using var first = await Instance.StartAsync("first");
        await using var second = await Instance.StartAsync("second");
        // The community-provider cluster, whose open-referral route is anonymous, on the two stand-in instances.
        using var gateway = infrastructure.Gateway.WithWebHostBuilder(b => b
            .UseSetting("ReverseProxy:Clusters:communityproviders:Destinations:primary:Address", first.Url)
            .UseSetting("ReverseProxy:Clusters:communityproviders:Destinations:second:Address", second.Url)
            .UseSetting("RateLimits:AnonymousPerMinute", "100000")
            // The shared gateway already runs the registry's daemon on this database.
            .UseSetting("BackgroundWork:Mode", "None"));
        using var client = gateway.CreateClient();

        for (var i = 0; i < 20; i++)
        {
            using var answer = await client.GetAsync("/openreferral/services");
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }
        Assert.NotEmpty(first.Requests);
        Assert.NotEmpty(second.Requests);

        await second.DisposeAsync();
        var stoppedAt = DateTime.UtcNow;
        var answeredInARow = 0;
        while (answeredInARow < 20)
        {
            Assert.True(DateTime.UtcNow - stoppedAt < TimeSpan.FromSeconds(15), "the gateway still sent requests to the stopped instance 15 s after it stopped");
            using var answer = await client.GetAsync("/openreferral/services");
            answeredInARow = answer.StatusCode == HttpStatusCode.OK ? answeredInARow + 1 : 0;
            await Task.Delay(100);
        }
    }

    /// <summary>A stand-in instance of a service on 127.0.0.1: alive, answering every GET with 200.</summary>
    private sealed class Instance : IAsyncDisposable
    {
        private readonly WebApplication app;
        private bool stopped;

        private Instance(WebApplication app) => this.app = app;

        public ConcurrentQueue<string> Requests { get; } = new();

        public string Url => app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();

        public static async Task<Instance> StartAsync(string name)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var instance = new Instance(builder.Build());
            instance.app.MapGet("/{**path}", (HttpContext context) =>
            {
                if (context.Request.Path != "/alive")
                {
                    instance.Requests.Enqueue(context.Request.Path);
                }
                return Results.Json(new { instance = name });
            });
            await instance.app.StartAsync();
            return instance;
        }

        public async ValueTask DisposeAsync()
        {
            if (!stopped)
            {
                stopped = true;
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }
}
