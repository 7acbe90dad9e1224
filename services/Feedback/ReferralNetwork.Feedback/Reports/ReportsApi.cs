using System.Globalization;
using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.Services;
using ReferralNetwork.Feedback.UserFeedback;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.Feedback.Reports;

/// <summary>
/// GET /api/reports/summary's query. A format or date that does not read is the handler's 400; only a
/// query that reads is judged by <see cref="SummaryQueryValidator"/>, so the 400 still comes first.
/// </summary>
/// <remarks>
/// Without <c>to</c> the period ends today (UTC); without <c>from</c> it covers the 12 months up to its end
/// (partner-api.md §6): with neither, the year up to and including today.
/// </remarks>
public sealed record SummaryQuery(string? Area, string? From, string? To, string? Format, Caller Caller, TimeProvider Clock)
{
    public bool FormatKnown => Format is null or "" or "json" or "csv";

    public bool DatesRead => TryParseDate(From, out _) && TryParseDate(To, out _);

    public DateOnly? ToDate => TryParseDate(To, out var date) ? date ?? DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime) : null;

    public DateOnly? FromDate => TryParseDate(From, out var date) ? date ?? ToDate?.AddMonths(-12).AddDays(1) : null;

    /// <summary>A commissioner sees its own area only (the default); the operator names the area it wants.</summary>
    public string? ReportArea => string.IsNullOrWhiteSpace(Area) ? (Caller.IsOperator ? null : Caller.Area) : Area.Trim();

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

public static class ReportsApi
{
    /// <summary>Longer periods make reports over years of events; commissioners ask for a year or a few.</summary>
    public const int MaxYears = 5;

    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/reports/summary", SummaryAsync).RequireKinds(true, OrganisationKind.Commissioner).WithRequestValidation();
        return app;
    }

    public static async Task<Results<Ok<SummaryReport>, ContentHttpResult, ProblemHttpResult>> SummaryAsync(
        [AsParameters] SummaryQuery query, IQuerySession session, IDocumentStore store, ReportTablesState tables, CancellationToken ct)
    {
        if (!query.FormatKnown)
        {
            return Problems.BadRequest("format must be json or csv.");
        }

        if (!query.DatesRead)
        {
            return Problems.BadRequest("from and to are ISO dates (yyyy-MM-dd).");
        }

        if (!query.Caller.IsOperator && !string.Equals(query.ReportArea, query.Caller.Area, StringComparison.Ordinal))
        {
            return Problems.Forbidden("A commissioner sees reports for its own area only.");
        }

        var period = new ReportPeriod(query.ReportArea!, query.FromDate!.Value, query.ToDate!.Value);
        var services = await session.Query<ListedService>().Where(s => s.Area == period.Area).ToListAsync(ct);
        var report = tables.Filled
            ? SummaryReports.FromTally(period, await ReportTablesQuery.TallyAsync(store, period, ct), services)
            : await InMemoryAsync(session, period, services, ct);
        return query.Format == "csv"
            ? TypedResults.Text(SummaryReports.ToCsv(report), "text/csv; charset=utf-8")
            : TypedResults.Ok(report);
    }

    /// <summary>The report from the documents themselves: while the report tables are still being filled, and as the tests' reference.</summary>
    public static async Task<SummaryReport> InMemoryAsync(IQuerySession session, ReportPeriod period, IReadOnlyList<ListedService> services, CancellationToken ct)
    {
        var journeys = await session.Query<ReferralJourney>().Where(j => j.Area == period.Area).ToListAsync(ct);
        var ids = journeys.Where(j => period.Contains(j.RequestedAt)).Select(j => j.ReferralId).ToArray();
        var outcomes = ids.Length == 0 ? [] : await session.LoadManyAsync<ReferralOutcomes>(ct, ids);
        // PostgreSQL reads the stored time to the microsecond, rounding: a rating in the last 0.5 µs of the period would
        // fall out of it. A millisecond either side is read, and Compose keeps exactly the period's.
        var (start, end) = (period.Start.AddMilliseconds(-1), period.End.AddMilliseconds(1));
        var ratings = await session.Query<ServiceUserFeedback>()
            .Where(r => r.Area == period.Area && r.At >= start && r.At < end).ToListAsync(ct);
        return SummaryReports.Compose(
            period, journeys, outcomes.ToDictionary(o => o.Id, o => o.Measures), services, ratings.Select(r => new RatingGiven(r.Rating, r.At)).ToList());
    }
}

/// <summary>The report's period and area, once the query reads.</summary>
public sealed class SummaryQueryValidator : AbstractValidator<SummaryQuery>
{
    public SummaryQueryValidator() =>
        When(q => q.FormatKnown && q.DatesRead, () =>
        {
            RuleFor(q => q.To)
                .Must((q, _) => !(q.FromDate > q.ToDate)).WithMessage(q => string.IsNullOrWhiteSpace(q.To) ? "Must not be before from (today when not given)." : "Must not be before from.")
                .Must((q, _) => !(q.ToDate > q.FromDate?.AddYears(ReportsApi.MaxYears))).WithMessage($"A report covers at most {ReportsApi.MaxYears} years.");
            RuleFor(q => q.Area).Must((q, _) => q.ReportArea is not null).WithMessage("Required.");
        });
}
