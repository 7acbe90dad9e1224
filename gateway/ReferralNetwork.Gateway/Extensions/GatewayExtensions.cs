using JasperFx.Events.Projections;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Gateway.Clients;
using ReferralNetwork.Gateway.Organisations;
using ReferralNetwork.Gateway.People;
using ReferralNetwork.Gateway.Proxy;
using ReferralNetwork.Gateway.RateLimiting;
using ReferralNetwork.Gateway.Tokens;
using ReferralNetwork.Messaging;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.Gateway.Extensions;

public static class GatewayExtensions
{
    private const string ProxySection = "ReverseProxy";

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // The bus first, so it is up before the relay publishes the registry's events.
        builder.AddMessaging("gateway", _ => { });
        builder.AddEventStore("gatewaydb", opts =>
        {
            opts.Projections.Snapshot<Organisation>(SnapshotLifecycle.Inline);
            opts.Schema.For<ClientCredential>();
        }).PublishIntegrationEvents(new OrganisationEvents(), builder.Configuration);

        // Built now, so a missing or mismatched signing key stops the gateway at start, not at the first token.
        var issuer = new TokenIssuer(builder.Configuration, TimeProvider.System);
        builder.Services.AddSingleton(issuer);
        builder.AddPeople("gatewaydb", issuer);

        builder.Services.AddSingleton<OperatorClient>();
        builder.Services.AddScoped<ClientAuthentication>();
        builder.Services.AddSingleton<TokenRevocation>();
        builder.Services.AddTokenRevocationCheck();
        builder.Services.AddRequestValidators<RegisterOrganisationRequestValidator>();

        builder.AddRateLimits();
        builder.AddProxy();
        return builder;
    }

    /// <summary>
    /// After the signature and lifetime checks every service makes, the gateway alone also asks the
    /// registry whether the token was revoked: a failure is the usual 401.
    /// </summary>
    private static void AddTokenRevocationCheck(this IServiceCollection services) =>
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).PostConfigure<TokenRevocation>((options, revocation) =>
        {
            var earlier = options.Events.OnTokenValidated;
            options.Events.OnTokenValidated = async context =>
            {
                await earlier(context);
                if (context.Result is null && !await revocation.IsCurrentAsync(context.Principal!, context.HttpContext.RequestAborted))
                {
                    context.Fail("The token was revoked: the client secret was rotated, the organisation suspended or the person's access ended.");
                }
            };
        });

    private static void AddProxy(this IHostApplicationBuilder builder)
    {
        var proxy = builder.Configuration.GetSection(ProxySection);
        if (!proxy.GetSection("Routes").GetChildren().Any())
        {
            // Without routes every partner call would be a quiet 404; usually appsettings.json was not
            // found because the process started outside its content root.
            throw new InvalidOperationException(
                $"{ProxySection}:Routes is empty. Start the gateway from its project or output folder (content root {builder.Environment.ContentRootPath}).");
        }

        builder.Services.AddReverseProxy().LoadFromConfig(proxy);

        builder.Services.AddHttpClient(ServiceHealthCheck.HttpClientName, c => c.Timeout = ServiceHealthCheck.Timeout);
        var health = builder.Services.AddHealthChecks();
        foreach (var cluster in proxy.GetSection("Clusters").GetChildren())
        {
            // Named after the service, so /health says which one is failing.
            health.Add(new(cluster.Key,
                sp => ActivatorUtilities.CreateInstance<ServiceHealthCheck>(sp, cluster.Key),
                failureStatus: null, tags: ["ready", "services"], timeout: ServiceHealthCheck.Timeout + TimeSpan.FromSeconds(1)));
        }
    }

    /// <summary>
    /// The proxy, with failed forwards answered as problem details and public areas checked against the registry,
    /// then YARP's own steps for several instances of a service: a web-app session stays on its instance, each
    /// request goes to the less busy of two healthy instances, and failed forwards count against the instance
    /// (appsettings.json: active checks of each instance's /alive, passive ones of the traffic).
    /// </summary>
    public static IEndpointRouteBuilder MapServices(this IEndpointRouteBuilder app)
    {
        app.MapReverseProxy(pipeline =>
        {
            pipeline.UseMiddleware<ProxyErrorProblems>();
            pipeline.UseMiddleware<ServedAreaCheck>();
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });
        return app;
    }
}
