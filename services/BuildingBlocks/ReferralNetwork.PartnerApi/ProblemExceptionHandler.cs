using System.Text.Json;
using JasperFx.Events;
using JasperFx;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.PartnerApi;

/// <summary>Turns every exception into RFC 9457 problem details; never a stack trace.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var problem = exception switch
        {
            BadHttpRequestException bad => new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => "Request body too large",
                    StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
                    _ => "Malformed request",
                },
                Detail = DescribeBadRequest(bad),
            },
            RuleViolation rule => new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict with the current state", Detail = rule.Message },
            VersionMismatch mismatch => new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Changed by someone else", Detail = mismatch.Message },
            NotPermitted notPermitted => new ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = "Forbidden", Detail = notPermitted.Message },
            NotVisible notVisible => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found", Detail = notVisible.Message },
            InvalidCommand invalid => new HttpValidationProblemDetails(new Dictionary<string, string[]> { [invalid.Field] = [invalid.Message] })
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "The request is not valid",
                Detail = "See errors for each field.",
            },
            // A stream started twice at once (two first measures, say) is a lost race like any other.
            ConcurrencyException or EventStreamUnexpectedMaxEventIdException
                or ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Changed by someone else",
                Detail = "The resource changed since you read it (or a concurrent request won). Read it again and retry.",
            },
            _ => null,
        };

        if (problem is null)
        {
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", context.Request.Method, context.Request.Path);
            problem = new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "Something went wrong on our side" };
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static string DescribeBadRequest(BadHttpRequestException bad)
    {
        // A JSON error's message names the path that failed ("$.urgency"), which is what a partner needs.
        if (bad.InnerException is JsonException json)
        {
            return json.Path is { } path
                ? $"The JSON body is invalid at '{path}': a value is missing, of the wrong type, or not one of the allowed values."
                : "The body is not valid JSON.";
        }

        return bad.StatusCode == StatusCodes.Status415UnsupportedMediaType
            ? "Send the body as application/json."
            : bad.Message;
    }
}
