using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.PartnerApi;

/// <summary>Problem results with the status codes of partner-api.md, each status with one title.</summary>
public static class Problems
{
    /// <summary>The title of a 409 that a retry after reading again can mend (a lost race, a stale If-Match).</summary>
    public const string ChangedBySomeoneElse = "Changed by someone else";

    public static ProblemDetails Details(int status, string? detail, string? title = null) =>
        new() { Status = status, Title = title ?? TitleOf(status), Detail = detail };

    /// <summary>422: well-formed but invalid, with the failing fields.</summary>
    public static HttpValidationProblemDetails InvalidDetails(IDictionary<string, string[]> errors) =>
        new(errors) { Status = StatusCodes.Status422UnprocessableEntity, Title = TitleOf(StatusCodes.Status422UnprocessableEntity), Detail = "See errors for each field." };

    public static ProblemHttpResult Invalid(IDictionary<string, string[]> errors) => TypedResults.Problem(InvalidDetails(errors));

    public static ProblemHttpResult Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult NotFound(string what) => TypedResults.Problem(Details(StatusCodes.Status404NotFound, NotVisible.Describe(what)));

    public static ProblemHttpResult Conflict(string detail) => TypedResults.Problem(Details(StatusCodes.Status409Conflict, detail));

    public static ProblemHttpResult Forbidden(string detail) => TypedResults.Problem(Details(StatusCodes.Status403Forbidden, detail));

    /// <summary>Reads an optional enum filter from the query string (kebab-case); false means a 400 was warranted.</summary>
    public static bool TryReadFilter<TEnum>(string? wire, out TEnum? value) where TEnum : struct, Enum
    {
        value = null;
        if (string.IsNullOrEmpty(wire))
        {
            return true;
        }

        if (Contracts.WireNames.TryParse<TEnum>(wire, out var parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }

    public static ProblemHttpResult UnknownValue<TEnum>(string parameter) where TEnum : struct, Enum =>
        BadRequest($"{parameter} must be one of: {PartnerRules.WireValues<TEnum>()}.");

    public static ProblemHttpResult BadRequest(string detail) => TypedResults.Problem(Details(StatusCodes.Status400BadRequest, detail));

    private static string TitleOf(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "Malformed request",
        StatusCodes.Status403Forbidden => "Forbidden",
        StatusCodes.Status404NotFound => "Not found",
        StatusCodes.Status409Conflict => "Conflict with the current state",
        StatusCodes.Status413PayloadTooLarge => "Request body too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        StatusCodes.Status422UnprocessableEntity => "The request is not valid",
        _ => "Something went wrong on our side",
    };
}
