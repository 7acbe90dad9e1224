using Microsoft.AspNetCore.Http;

namespace ReferralNetwork.PartnerApi;

/// <summary>
/// Refuses a declared body over the limit before anything reads it, with problem details rather than
/// Kestrel's empty 413. Bodies without a length are still cut off by Kestrel's own limit.
/// </summary>
public sealed class RequestSizeGuard(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        if (context.Request.ContentLength > PartnerApiExtensions.MaxRequestBodyBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Title = "Request body too large",
                    Detail = $"The body may be at most {PartnerApiExtensions.MaxRequestBodyBytes / 1024} KiB.",
                },
            });
            return;
        }

        await next(context);
    }
}
