using Microsoft.AspNetCore.Mvc;
using Yarp.ReverseProxy.Forwarder;

namespace ReferralNetwork.Gateway.Proxy;

/// <summary>
/// YARP answers a failed forward with a bare status code; partners get problem details instead
/// (partner-api.md conventions), naming the part of the network that failed but nothing internal.
/// </summary>
public sealed class ProxyErrorProblems(RequestDelegate next, ILogger<ProxyErrorProblems> logger)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        await next(context);

        var error = context.GetForwarderErrorFeature()?.Error ?? ForwarderError.None;
        if (error == ForwarderError.None || context.Response.HasStarted || IsCallerGone(error))
        {
            return;
        }

        var cluster = context.GetReverseProxyFeature().Cluster?.Config.ClusterId ?? "unknown";
        var (status, title, detail) = Describe(error, context.Response.StatusCode, cluster);
        logger.LogWarning("Forwarding {Method} {Path} to {Cluster} failed: {Error}", context.Request.Method, context.Request.Path, cluster, error);

        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    // The caller hung up or aborted its own body: there is no one to answer.
    private static bool IsCallerGone(ForwarderError error) => error is ForwarderError.RequestCanceled
        or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
        or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeResponseClient;

    private static (int Status, string Title, string Detail) Describe(ForwarderError error, int yarpStatus, string cluster) => error switch
    {
        ForwarderError.NoAvailableDestinations =>
            (StatusCodes.Status503ServiceUnavailable, "Service unavailable", $"The {cluster} service has no instance available. Retry later."),
        ForwarderError.RequestTimedOut =>
            (StatusCodes.Status504GatewayTimeout, "Service timed out", $"The {cluster} service did not answer in time. Retry later."),
        // The caller's own body was the problem (too large, cut off): keep YARP's 4xx.
        ForwarderError.RequestBodyClient or ForwarderError.UpgradeRequestClient when yarpStatus is >= 400 and < 500 =>
            (yarpStatus, yarpStatus == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Malformed request",
                yarpStatus == StatusCodes.Status413PayloadTooLarge
                    ? $"The body may be at most {PartnerApi.PartnerApiExtensions.MaxRequestBodyBytes / 1024} KiB."
                    : "The request body could not be read."),
        _ => (StatusCodes.Status502BadGateway, "Service unreachable", $"The {cluster} service could not be reached. Retry later."),
    };
}
