using Marten;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.CommunityProviders;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.Services;
using ReferralNetwork.Feedback.UserFeedback;

namespace ReferralNetwork.Bench.Reports;

/// <summary>
/// A year of one area's referrals as the feedback service would hold them: each journey, measure record and
/// rating built by applying the events the service records (the projections' own Create and Apply) and bulk
/// loaded with Marten, which fires the report tables' triggers as any write does. The mix follows the domain:
/// mostly GP referrals, most accepted within days, some rejected, cancelled or on hold, about one onward
/// referral each (a fair share rejected at capacity), outcome measures for over half, ratings now and then.
/// Only the documents are written, not the event log behind them: the report reads documents.
/// </summary>
public static class ReportSeed
{
    private const int Batch = 20_000;
    private const int LinkWorkers = 40;
    private const int ServicesListed = 60;

    public sealed record Seeded(int Journeys, int Outcomes, int Ratings, int InPeriod);

    public static async Task<Seeded> WriteAsync(IDocumentStore store, string area, DateTimeOffset periodStart, int referrals, CancellationToken ct)
    {
        var random = new Random(14);
        var workers = Enumerable.Range(1, LinkWorkers).Select(i => (Id: Guid.NewGuid(), Name: $"Link Worker {i:00}")).ToArray();
        var services = Enumerable.Range(1, ServicesListed)
            .Select(i => ListedService.Create(new ServiceListingChanged(Guid.NewGuid(), Guid.NewGuid(), $"Community service {i:00}", area, 20, random.Next(21), periodStart)))
            .ToList();
        await store.BulkInsertAsync(services, cancellation: ct);

        int outcomes = 0, ratings = 0;
        var end = periodStart.AddDays(365);
        for (var written = 0; written < referrals; written += Batch)
        {
            var journeys = new List<ReferralJourney>(Batch);
            var measures = new List<ReferralOutcomes>();
            var given = new List<ServiceUserFeedback>();
            for (var i = written; i < Math.Min(referrals, written + Batch); i++)
            {
                // Spread over the year, in working hours; the last ones have had little time to progress.
                var requested = periodStart.AddDays(random.Next(365)).AddHours(8 + (random.NextDouble() * 10));
                var id = Guid.CreateVersion7(requested);
                var journey = Journey(random, id, area, requested, workers, services);
                journeys.Add(journey);
                if (Measures(random, id, journey) is { Count: > 0 } recorded)
                {
                    // The stream's version, as Marten sets it on the snapshot after each event.
                    measures.Add(recorded.Skip(1).Aggregate(ReferralOutcomes.Create(recorded[0]), (o, e) => o.Apply(e)) with { Version = recorded.Count });
                }

                if (random.NextDouble() < 0.15)
                {
                    var at = requested.AddDays(random.Next(1, 120));
                    if (at < end)
                    {
                        var feedbackId = Guid.NewGuid();
                        given.Add(ServiceUserFeedback.Create(new FeedbackGiven(
                            feedbackId, id, services[random.Next(services.Count)].Id, Rating(random), null, area, null, at)));
                    }
                }
            }

            await store.BulkInsertAsync(journeys, batchSize: 5_000, cancellation: ct);
            await store.BulkInsertAsync(measures, batchSize: 5_000, cancellation: ct);
            await store.BulkInsertAsync(given, batchSize: 5_000, cancellation: ct);
            outcomes += measures.Count;
            ratings += given.Count;
            if ((written / Batch) % 10 == 9)
            {
                Console.WriteLine($"[bench] report: {written + journeys.Count:N0} referrals written");
            }
        }

        return new Seeded(referrals, outcomes, ratings, referrals);
    }

    private static ReferralJourney Journey(
        Random random, Guid id, string area, DateTimeOffset requested, (Guid Id, string Name)[] workers, List<ListedService> services)
    {
        var age = DateTimeOffset.UtcNow - requested;
        var journey = ReferralJourney.Create(new JourneyRequested(id, PathwayOf(random), area, Guid.NewGuid(), OrganisationKind.GpPractice, requested)
        {
            ShareWithReferrer = random.Next(3) == 0 ? "full" : "codes-only",
        });
        var linkWorkerService = Guid.NewGuid();
        journey = journey.Apply(new JourneyRouted(id, linkWorkerService, requested.AddSeconds(random.Next(1, 30))));

        if (random.NextDouble() < 0.03)
        {
            return journey.Apply(new JourneyCancelled(id, random.Next(4) == 0 ? "entered-in-error" : "revoked", requested.AddHours(random.Next(1, 100))));
        }

        var decided = requested.AddHours(Skewed(random, 2, 24 * 7));
        if (decided > DateTimeOffset.UtcNow)
        {
            return journey;
        }

        if (random.NextDouble() < 0.12)
        {
            string[] reasons = ["not-eligible", "not-eligible", "out-of-area", "duplicate", "other"];
            return journey.Apply(new JourneyRejected(id, reasons[random.Next(reasons.Length)], decided));
        }

        var worker = workers[random.Next(workers.Length)];
        journey = journey.Apply(new JourneyAccepted(id, linkWorkerService, worker.Id, worker.Name, decided));
        var contacted = decided;
        for (var attempt = 0; attempt < 1 + random.Next(3); attempt++)
        {
            contacted = contacted.AddHours(Skewed(random, 1, 24 * 5));
            var reached = random.NextDouble() < 0.6 || attempt == 2;
            journey = journey.Apply(new JourneyContactAttempted(id, reached ? "reached" : "no-answer", contacted, contacted.AddMinutes(2)));
            if (reached)
            {
                break;
            }
        }

        if (random.NextDouble() < 0.06)
        {
            var held = contacted.AddDays(random.Next(1, 20));
            journey = journey.Apply(new JourneyPutOnHold(id, held));
            if (random.Next(2) == 0)
            {
                journey = journey.Apply(new JourneyResumed(id, held.AddDays(random.Next(1, 20))));
            }
        }

        var onwardCount = random.NextDouble() switch { < 0.3 => 0, < 0.75 => 1, < 0.93 => 2, _ => 3 };
        for (var o = 0; o < onwardCount; o++)
        {
            journey = Onward(random, journey, id, contacted.AddDays(random.Next(0, 14)), services);
        }

        // About three months of support, then a close: completed mostly, failed for some.
        var closed = decided.AddDays(random.Next(30, 100));
        if (closed < DateTimeOffset.UtcNow && (age > TimeSpan.FromDays(90) || random.NextDouble() < age.TotalDays / 180))
        {
            journey = random.NextDouble() < 0.8
                ? journey.Apply(new JourneyClosed(id, ReferralStatus.Completed, "goals-met", closed))
                : journey.Apply(new JourneyClosed(id, ReferralStatus.Failed, FailOutcome(random), closed));
        }

        return journey;
    }

    private static ReferralJourney Onward(Random random, ReferralJourney journey, Guid id, DateTimeOffset requested, List<ListedService> services)
    {
        var onward = Guid.NewGuid();
        var service = services[random.Next(services.Count)];
        journey = journey.Apply(new OnwardRequested(onward, id, service.Id, service.ProviderId, requested));
        if (random.NextDouble() < 0.15)
        {
            // Nobody answered: reminded, escalated, then failed for no response.
            var step = requested.AddDays(2);
            journey = journey.Apply(new OnwardProgressed(onward, id, service.ProviderId, OnwardReferralStep.Reminded, OnwardReferralStatus.Requested, null, step));
            return journey.Apply(new OnwardProgressed(onward, id, service.ProviderId, OnwardReferralStep.Failed, OnwardReferralStatus.Failed, "no-response", step.AddDays(5)));
        }

        var acknowledged = requested.AddHours(Skewed(random, 0.5, 72));
        journey = journey.Apply(new OnwardAcknowledged(onward, id, service.ProviderId, acknowledged));
        var next = acknowledged.AddHours(Skewed(random, 1, 96));
        switch (random.NextDouble())
        {
            case < 0.2:
                string[] reasons = ["at-capacity", "at-capacity", "at-capacity", "not-eligible", "out-of-area", "other"];
                return journey.Apply(new OnwardProgressed(onward, id, service.ProviderId, OnwardReferralStep.Rejected, OnwardReferralStatus.Rejected, reasons[random.Next(reasons.Length)], next));
            case < 0.27:
                return journey.Apply(new OnwardWithdrawn(onward, id, service.ProviderId, "person-declined", next));
            default:
                journey = journey.Apply(new OnwardProgressed(onward, id, service.ProviderId, OnwardReferralStep.Accepted, OnwardReferralStatus.Accepted, null, next));
                journey = journey.Apply(new OnwardProgressed(onward, id, service.ProviderId, OnwardReferralStep.AttendanceRecorded, OnwardReferralStatus.InProgress, null, next.AddDays(7)));
                return random.NextDouble() < 0.8
                    ? journey.Apply(new OnwardProgressed(onward, id, service.ProviderId, OnwardReferralStep.Completed, OnwardReferralStatus.Completed, null, next.AddDays(60)))
                    : journey.Apply(new OnwardProgressed(onward, id, service.ProviderId, OnwardReferralStep.Failed, OnwardReferralStatus.Failed, "stopped coming", next.AddDays(30)));
        }
    }

    /// <summary>Baselines for most accepted people, follow-ups for those who finished; SWEMWBS mostly, ONS4, WEMWBS and goals now and then.</summary>
    private static List<MeasureRecorded> Measures(Random random, Guid id, ReferralJourney journey)
    {
        var recorded = new List<MeasureRecorded>();
        if (journey.AcceptedAt is not { } accepted || random.NextDouble() < 0.35)
        {
            return recorded;
        }

        var by = new Actor(journey.LinkWorkerServiceId!.Value, OrganisationKind.LinkWorkerService);
        var followUp = journey.ClosedAt is not null && random.NextDouble() < 0.75;
        var goalNames = new[] { "Get out of the house twice a week", "Sleep better", "Make a friend" }.Take(1 + random.Next(3)).ToArray();
        foreach (var (timepoint, at) in followUp
            ? new[] { (Timepoint.Baseline, accepted.AddDays(3)), (Timepoint.FollowUp, journey.ClosedAt!.Value) }
            : [(Timepoint.Baseline, accepted.AddDays(3))])
        {
            var lift = timepoint == Timepoint.FollowUp ? 1 : 0;
            recorded.Add(new(Guid.NewGuid(), id, Instrument.Swemwbs, timepoint, Items(random, 7, 1 + lift, 4 + lift), null, by, at));
            if (random.NextDouble() < 0.3)
            {
                recorded.Add(new(Guid.NewGuid(), id, Instrument.Ons4, timepoint, Items(random, 4, 2 + lift, 8 + lift), null, by, at));
            }

            if (random.NextDouble() < 0.1)
            {
                recorded.Add(new(Guid.NewGuid(), id, Instrument.Wemwbs, timepoint, Items(random, 14, 1 + lift, 4 + lift), null, by, at));
            }

            if (random.NextDouble() < 0.4)
            {
                recorded.Add(new(Guid.NewGuid(), id, Instrument.Goals, timepoint, null,
                    goalNames.Select(g => new GoalScore(g, random.Next(2 + (3 * lift), 6 + (4 * lift)))).ToList(), by, at));
            }
        }

        return recorded;
    }

    private static List<int> Items(Random random, int count, int min, int max) => Enumerable.Range(0, count).Select(_ => random.Next(min, max + 1)).ToList();

    private static Pathway PathwayOf(Random random) => random.NextDouble() switch
    {
        < 0.6 => Pathway.Gp,
        < 0.7 => Pathway.SelfReferral,
        < 0.8 => Pathway.SocialCare,
        < 0.88 => Pathway.SecondaryCare,
        < 0.96 => Pathway.Community,
        _ => Pathway.Other,
    };

    private static string FailOutcome(Random random)
    {
        string[] outcomes = ["disengaged", "disengaged", "declined", "moved-away", "referred-back", "other"];
        return outcomes[random.Next(outcomes.Length)];
    }

    private static int Rating(Random random) => random.NextDouble() switch { < 0.05 => 1, < 0.1 => 2, < 0.25 => 3, < 0.55 => 4, _ => 5 };

    /// <summary>Hours from <paramref name="least"/> to <paramref name="most"/>, most of them short, as waits are.</summary>
    private static double Skewed(Random random, double least, double most) => least + ((most - least) * Math.Pow(random.NextDouble(), 3));
}
