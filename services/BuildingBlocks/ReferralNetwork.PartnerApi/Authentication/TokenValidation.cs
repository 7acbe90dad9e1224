using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReferralNetwork.Contracts;

namespace ReferralNetwork.PartnerApi.Authentication;

public static class TokenValidation
{
    /// <summary>
    /// Services check the gateway's tokens again (defence in depth) with the public key. 401 and 403
    /// are answered as problem details like every other error.
    /// </summary>
    public static IHostApplicationBuilder AddNetworkAuthentication(this IHostApplicationBuilder builder)
    {
        var key = NetworkTokens.PublicKey(builder.Configuration);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = NetworkTokens.ValidationParameters(key);
            o.Events = new JwtBearerEvents
            {
                OnChallenge = async ctx =>
                {
                    ctx.HandleResponse();
                    await WriteProblem(ctx.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized",
                        ctx.AuthenticateFailure is null ? "A bearer token is required: POST /connect/token." : "The bearer token is invalid or expired.");
                },
                OnForbidden = ctx => WriteProblem(ctx.HttpContext, StatusCodes.Status403Forbidden, "Forbidden",
                    "Your organisation's kind may not do this."),
            };
        });

        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }

    /// <summary>Only organisations of these kinds (and the operator when <paramref name="operatorToo"/>) may call the endpoint.</summary>
    public static TBuilder RequireKinds<TBuilder>(this TBuilder endpoint, bool operatorToo, params OrganisationKind[] kinds)
        where TBuilder : IEndpointConventionBuilder
    {
        var allowed = kinds.Select(OrganisationKinds.ToWire).ToList();
        if (operatorToo)
        {
            allowed.Add(OrganisationKinds.ToWire(OrganisationKind.Operator));
        }

        return endpoint.RequireAuthorization(p => p.RequireAuthenticatedUser().RequireClaim(NetworkTokens.KindClaim, allowed));
    }

    private static async Task WriteProblem(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
