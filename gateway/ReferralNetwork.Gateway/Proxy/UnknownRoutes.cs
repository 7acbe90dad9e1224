namespace ReferralNetwork.Gateway.Proxy;

public static class UnknownRoutes
{
    /// <summary>
    /// Anything no route claims is a 404 problem, with or without a token: without this the fallback
    /// authorization policy would answer 401 for paths that do not exist.
    /// </summary>
    public static IEndpointRouteBuilder MapUnknownRoutes(this IEndpointRouteBuilder app)
    {
        app.MapFallback("{**path}", () => TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "No resource at this address. See the partner API."))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }
}
