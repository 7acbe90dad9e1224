using ReferralNetwork.EventSourcing;
using JasperFx;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.Options;

namespace ReferralNetwork.CommunityProviders.Inbox;

/// <summary>
/// Nudges, escalates and expires onward referrals that are not acknowledged in time. It keeps no timer
/// in memory: every pass asks the store which requested onward referrals have a step due, so a restart
/// (or an outage) only delays the steps, and <see cref="Deadlines.Due"/> takes each step at most once.
/// </summary>
public sealed class AcknowledgementDeadlineWorker(
    IDocumentStore store, IOptions<AcknowledgementPolicy> options, TimeProvider clock, ILogger<AcknowledgementDeadlineWorker> logger,
    IBackgroundWork work)
    : BackgroundService
{
    private const int PageSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var policy = options.Value;
        using var timer = new PeriodicTimer(policy.CheckEvery, clock);
        do
        {
            try
            {
                // Once per service: only the instance that does its background work moves deadlines on.
                if (work.IsMine)
                {
                    await CheckAsync(policy, stoppingToken);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be briefly away; the next pass picks up whatever is still due.
                logger.LogWarning(ex, "Checking acknowledgement deadlines failed; trying again in {CheckEvery}", policy.CheckEvery);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task CheckAsync(AcknowledgementPolicy policy, CancellationToken ct)
    {
        // Each page's steps move those referrals out of the query, so keep going until a page is short
        // (a long outage can leave many due at once) or nothing could be moved on.
        while (true)
        {
            var now = clock.GetUtcNow();
            var due = await FindDueAsync(now, policy, ct);
            var moved = 0;
            foreach (var id in due)
            {
                moved += await TakeDueStepsAsync(id, policy, ct) ? 1 : 0;
            }

            if (moved > 0)
            {
                logger.LogInformation("Acknowledgement deadlines: moved {Count} onward referral(s) on", moved);
            }

            if (due.Count < PageSize || moved == 0)
            {
                return;
            }
        }
    }

    // The due time depends on configuration, so it is compared here rather than stored: a requested
    // onward referral has a step due when its next step's delay since arrival has passed.
    private async Task<IReadOnlyList<Guid>> FindDueAsync(DateTimeOffset now, AcknowledgementPolicy policy, CancellationToken ct)
    {
        var remindArrivedBy = now - policy.RemindAfter;
        var escalateArrivedBy = now - policy.EscalateAfter;
        var expireArrivedBy = now - policy.ExpireAfter;
        await using var session = store.QuerySession();
        return await session.Query<ProviderReferral>()
            .Where(r => r.Status == Contracts.OnwardReferralStatus.Requested
                && ((r.RemindedAt == null && r.ReceivedAt <= remindArrivedBy)
                    || (r.EscalatedAt == null && r.ReceivedAt <= escalateArrivedBy)
                    || r.ReceivedAt <= expireArrivedBy))
            .OrderBy(r => r.ReceivedAt)
            .Select(r => r.Id)
            .Take(PageSize)
            .ToListAsync(ct);
    }

    private async Task<bool> TakeDueStepsAsync(Guid id, AcknowledgementPolicy policy, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<ProviderReferral>(id, ct);
        if (stream.Aggregate is not { } referral)
        {
            return false;
        }

        var due = Deadlines.Due(referral, clock.GetUtcNow(), policy);
        if (due.Count == 0)
        {
            return false;
        }

        stream.AppendMany(due);
        try
        {
            await session.SaveChangesAsync(ct);
            return true;
        }
        catch (Exception ex) when (ex is ConcurrencyException or EventStreamUnexpectedMaxEventIdException)
        {
            // The provider acknowledged (or another instance took the step) in the meantime; the next
            // pass decides again from what was stored.
            return false;
        }
    }
}
