using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ReferralNetwork.Hosting.Dashboard;

/// <summary>A small Kestrel server bound to 127.0.0.1 only, so nothing off this machine can reach it.</summary>
internal static class LoopbackWebServer
{
    /// <summary>
    /// An empty builder: no configuration files, environment or console logging, so the AppHost's own
    /// settings (ASPNETCORE_URLS among them) cannot move it and it adds nothing to the console.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string name, int port)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = 32 * 1024 * 1024;
        });
        builder.Services.AddRoutingCore();
        return builder;
    }

    /// <summary>Starts the app and returns the port it bound (port 0 asks the OS for a free one).</summary>
    public static async Task<int> StartAsync(WebApplication app, string what, int requestedPort, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException(
                $"The {what} could not listen on 127.0.0.1:{requestedPort} ({e.Message}); another AppHost running? Choose another port.", e);
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address).Port;
    }
}
