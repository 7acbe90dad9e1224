using System.Globalization;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.Services;
using ReferralNetwork.Feedback.UserFeedback;
using ReferralNetwork.PartnerApi.Authentication;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.Feedback.Reports;

public static class ReportsApi
{
    /// <summary>Longer periods make reports over years of events; commissioners ask for a year or a few.</summary>
    public const int MaxYears = 5;

    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/reports/summary", SummaryAsync).RequireKinds(true, OrganisationKind.Commissioner);
        return app;
    }

    public static async Task<Results<Ok<SummaryReport>, ContentHttpResult, ProblemHttpResult>> SummaryAsync(
        string? area, string? from, string? to, string? format, Caller caller, IQuerySession session, CancellationToken ct)
    {
        if (format is not (null or "" or "json" or "csv"))
        {
            return Problems.BadRequest("format must be json or csv.");
        }

        if (!TryParseDate(from, out var fromDate) || !TryParseDate(to, out var toDate))
        {
            return Problems.BadRequest("from and to are ISO dates (yyyy-MM-dd).");
        }

        var errors = new ValidationErrors();
        if (fromDate is null)
        {
            errors.Add("from", "Required.");
        }

        if (toDate is null)
        {
            errors.Add("to", "Required.");
        }

        if (fromDate is { } f && toDate is { } t)
        {
            if (f > t)
            {
                errors.Add("to", "Must not be before from.");
            }
            else if (t > f.AddYears(MaxYears))
            {
                errors.Add("to", $"A report covers at most {MaxYears} years.");
            }
        }

        // A commissioner sees its own area only; the operator names the area it wants.
        var reportArea = string.IsNullOrWhiteSpace(area) ? (caller.IsOperator ? null : caller.Area) : area.Trim();
        if (reportArea is null)
        {
            errors.Add("area", "Required.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (!caller.IsOperator && !string.Equals(reportArea, caller.Area, StringComparison.Ordinal))
        {
            return Problems.Forbidden("A commissioner sees reports for its own area only.");
        }

        var period = new ReportPeriod(reportArea!, fromDate!.Value, toDate!.Value);
        var journeys = await session.Query<ReferralJourney>().Where(j => j.Area == period.Area).ToListAsync(ct);
        var ids = journeys.Where(j => period.Contains(j.RequestedAt)).Select(j => j.ReferralId).ToArray();
        var outcomes = ids.Length == 0 ? [] : await session.LoadManyAsync<ReferralOutcomes>(ct, ids);
        var services = await session.Query<ListedService>().Where(s => s.Area == period.Area).ToListAsync(ct);
        var ratings = await session.Query<ServiceUserFeedback>()
            .Where(r => r.Area == period.Area && r.At >= period.Start && r.At < period.End).ToListAsync(ct);

        var report = SummaryReports.Compose(
            period, journeys, outcomes.ToDictionary(o => o.Id, o => o.Measures), services, ratings.Select(r => new RatingGiven(r.Rating, r.At)).ToList());
        return format == "csv"
            ? TypedResults.Text(SummaryReports.ToCsv(report), "text/csv; charset=utf-8")
            : TypedResults.Ok(report);
    }

    /// <summary>False when a value is given but is not an ISO date; a missing value parses to null.</summary>
    private static bool TryParseDate(string? value, out DateOnly? date)
    {
        date = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            date = parsed;
            return true;
        }

        return false;
    }
}
