using ReferralNetwork.LinkWorkers.Cases;

namespace ReferralNetwork.LinkWorkers.LinkWorkers;

/// <summary>
/// A link worker's load: cases held now against their maximum, and people taken on in the last year
/// against the national caseload guidance (200–250 people a year; the upper figure is the line).
/// </summary>
public sealed record LinkWorkerView(
    Guid Id,
    string Name,
    int MaxActiveCases,
    int ActiveCases,
    int PeoplePerYear,
    int PeoplePerYearGuidance,
    bool OverGuidance,
    bool HasRoom);

/// <summary>Pure caseload arithmetic, so the limits can be tested without a database.</summary>
public static class Caseload
{
    public const int PeoplePerYearGuidance = 250;
    public static readonly TimeSpan Year = TimeSpan.FromDays(365);

    /// <summary>The cases a caseload query must load: those held now and those taken on within the year.</summary>
    public static DateTimeOffset YearStart(DateTimeOffset now) => now - Year;

    public static LinkWorkerView For(LinkWorker worker, IEnumerable<Case> cases, DateTimeOffset now)
    {
        var theirs = cases.Where(c => c.LinkWorkerId == worker.Id).ToList();
        var active = theirs.Count(c => c.IsActive);
        // Cases accepted before acceptance times were kept count from when they opened, the nearest time known.
        var peoplePerYear = theirs.Where(c => (c.AcceptedAt ?? c.OpenedAt) > YearStart(now)).Select(c => c.Id).Distinct().Count();
        return new LinkWorkerView(worker.Id, worker.Name, worker.MaxActiveCases, active, peoplePerYear, PeoplePerYearGuidance,
            peoplePerYear > PeoplePerYearGuidance, active < worker.MaxActiveCases);
    }

    /// <summary>
    /// Who takes a case when the service does not choose: the link worker with room whose caseload is the smallest
    /// share of their maximum, then the fewest cases, then the earliest registered (the order given). Null when nobody
    /// has room: the case then waits in the queue rather than overloading someone.
    /// </summary>
    public static LinkWorkerView? LeastLoadedWithRoom(IEnumerable<LinkWorkerView> caseloads) =>
        caseloads.Where(w => w.HasRoom)
            .OrderBy(w => (double)w.ActiveCases / w.MaxActiveCases)
            .ThenBy(w => w.ActiveCases)
            .FirstOrDefault();
}
