using System.Text.Json;
using System.Text.RegularExpressions;
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
            // A signed token whose claims do not read as the network's (Caller.From).
            UnauthorizedAccessException unauthorized => Problems.Details(StatusCodes.Status401Unauthorized, unauthorized.Message),
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

        // Ours were written for partners; ASP.NET's and Kestrel's were not.
        if (bad is PartnerBadRequest)
        {
            return bad.Message;
        }

        if (bad.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return "Send the body as application/json.";
        }

        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return $"The body may be at most {PartnerApiExtensions.MaxRequestBodyBytes / 1024} KiB.";
        }

        // ASP.NET's own message names the C# type and parameter ("Guid? ReferralId"): partners get the
        // contract's camelCase name and what was expected instead, or a generic sentence.
        return DescribeBinding(bad.Message) ?? "The request is malformed: check its parameters and body against the partner API.";
    }

    private static readonly Regex BindingFailure = new(
        "^(?:Failed to bind parameter|Required parameter) \"(?<type>[^\"]*?) ?(?<name>[A-Za-z_][A-Za-z0-9_]*)\"(?<rest>.*)$",
        RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromMilliseconds(100));

    /// <summary>A binding failure's message in the partner's terms, or null when it is not one.</summary>
    public static string? DescribeBinding(string message)
    {
        var match = BindingFailure.Match(message);
        if (!match.Success)
        {
            return null;
        }

        var rest = match.Groups["rest"].Value;
        if (rest.Contains("from body", StringComparison.Ordinal))
        {
            return "A JSON body is required.";
        }

        var name = match.Groups["name"].Value;
        var field = char.ToLowerInvariant(name[0]) + name[1..];
        return message.StartsWith("Required", StringComparison.Ordinal)
            ? $"'{field}' is required."
            : $"'{field}' is not valid: expected {Expected(match.Groups["type"].Value.TrimEnd('?'))}.";
    }

    private static string Expected(string type) => type switch
    {
        "Guid" => "an id (a GUID)",
        "DateTimeOffset" or "DateTime" => "an ISO-8601 timestamp",
        "DateOnly" => "a date (yyyy-mm-dd)",
        "int" or "long" or "Int32" or "Int64" => "a whole number",
        "bool" or "Boolean" => "true or false",
        "decimal" or "double" => "a number",
        _ => "one of the values the partner API lists",
    };
}

/// <summary>A 400 whose message is written for partners and is shown to them as it is.</summary>
public sealed class PartnerBadRequest(string message) : BadHttpRequestException(message, StatusCodes.Status400BadRequest);
