using System.Text.Json;
using JasperFx;
using JasperFx.Events;
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
            BadHttpRequestException bad => Problems.Details(bad.StatusCode, DescribeBadRequest(bad)),
            RuleViolation rule => Problems.Details(StatusCodes.Status409Conflict, rule.Message),
            VersionMismatch mismatch => Problems.Details(StatusCodes.Status409Conflict, mismatch.Message, Problems.ChangedBySomeoneElse),
            NotPermitted notPermitted => Problems.Details(StatusCodes.Status403Forbidden, notPermitted.Message),
            NotVisible notVisible => Problems.Details(StatusCodes.Status404NotFound, notVisible.Message),
            InvalidCommand invalid => Problems.InvalidDetails(new Dictionary<string, string[]> { [invalid.Field] = [invalid.Message] }),
            // A stream started twice at once (two first measures, say) is a lost race like any other.
            ConcurrencyException or EventStreamUnexpectedMaxEventIdException
                or ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException => Problems.Details(
                    StatusCodes.Status409Conflict,
                    "The resource changed since you read it (or a concurrent request won). Read it again and retry.",
                    Problems.ChangedBySomeoneElse),
            _ => null,
        };

        if (problem is null)
        {
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", context.Request.Method, context.Request.Path);
            problem = Problems.Details(StatusCodes.Status500InternalServerError, null);
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
