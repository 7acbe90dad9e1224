using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace ReferralNetwork.Gateway.Proxy;

public static class UnknownRoutes
{
    /// <summary>
    /// A request no route matched gets a 404 problem, with or without a token. Left alone, the
    /// fallback authorization policy would answer 401 for addresses that do not exist. A catch-all
    /// route would do the same but would also swallow routing's own 405 and 415 answers, so instead
    /// the unmatched request is given an anonymous endpoint. Must come before authorization.
    /// </summary>
    public static WebApplication UseUnknownRoutes(this WebApplication app)
    {
        var notFound = new Endpoint(WriteNotFoundAsync, new EndpointMetadataCollection(new AllowAnonymousAttribute()), "Unknown route");
        app.Use((context, next) =>
        {
            if (context.GetEndpoint() is null)
            {
                context.SetEndpoint(notFound);
            }

            return next(context);
        });
        return app;
    }

    private static Task WriteNotFoundAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = "Not found",
                Detail = "Nothing is served at this address; see the partner API.",
            },
        }).AsTask();
    }
}
