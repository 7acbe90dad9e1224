using ReferralNetwork.EventSourcing;
using JasperFx.Events;
using Marten;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReferralNetwork.ServiceDefaults;

namespace ReferralNetwork.Messaging;

/// <summary>
/// Tries the events the relay set aside again, soon after the service starts and then every
/// <see cref="RelayOptions.RetrySetAsideEvery"/>: what made one fail on its own (a broker permission, a
/// bug in building the message) is fixed by a change of configuration or version, after which the event
/// goes out with no one having to act on it. Each is read back from the event log (so an erasure since
/// then is honoured), published as the relay would, and forgotten once the broker confirms it; one that
/// still fails stays set aside with its latest error. It arrives after events that followed it, which
/// consumers already cope with (a message that overtook what it depends on waits for it).
/// </summary>
public sealed class SetAsideEventsRetry(
    IDocumentStore store, IBus bus, IIntegrationEventMap map, IOptions<RelayOptions> options, IHostApplicationLifetime lifetime,
    TimeProvider clock, ILogger<SetAsideEventsRetry> logger, IBackgroundWork work) : BackgroundService
{
    /// <summary>After the start, the bus has had a moment to connect.</summary>
    private static readonly TimeSpan FirstTryAfterStart = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await lifetime.WhenStartedAsync(stoppingToken);
            await Task.Delay(FirstTryAfterStart, clock, stoppingToken);
            using var timer = new PeriodicTimer(options.Value.RetrySetAsideEvery, clock);
            do
            {
                try
                {
                    // With the relay, which runs where the service's background work does.
                    if (work.IsMine)
                    {
                        await RetryAllAsync(stoppingToken);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Trying set-aside events again failed; next try in {Interval}", options.Value.RetrySetAsideEvery);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>One pass over every event set aside, oldest first; returns how many were published.</summary>
    public async Task<int> RetryAllAsync(CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var setAside = await session.Query<UnpublishedEvent>().OrderBy(u => u.Sequence).ToListAsync(cancellationToken);
        var published = 0;
        foreach (var unpublished in setAside)
        {
            var @event = await session.Events.QueryAllRawEvents().Where(e => e.Sequence == unpublished.Sequence).FirstOrDefaultAsync(cancellationToken);
            try
            {
                if (@event is not null && map.ToIntegrationEvent(@event) is { } message)
                {
                    await IntegrationEventRelay.PublishAsync(bus, message, @event, options.Value.PublishTimeout, cancellationToken);
                    published++;
                    logger.LogInformation("Published {MessageType} for event {EventId} (sequence {Sequence}), set aside since {At}",
                        unpublished.MessageType, unpublished.Id, unpublished.Sequence, unpublished.At);
                }
                else
                {
                    // Archived, or no longer mapped to anything: there is nothing left to publish.
                    logger.LogInformation("Event {EventId} (sequence {Sequence}) set aside since {At} has nothing to publish any more",
                        unpublished.Id, unpublished.Sequence, unpublished.At);
                }

                session.Delete(unpublished);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                var cause = ex.GetBaseException();
                session.Store(unpublished with { Error = $"{cause.GetType().Name}: {cause.Message}", Attempts = unpublished.Attempts + 1 });
                logger.LogWarning(ex, "Publishing {MessageType} for event {EventId} (sequence {Sequence}) failed again; it stays set aside",
                    unpublished.MessageType, unpublished.Id, unpublished.Sequence);
            }

            // Each outcome is kept at once: a stop half-way through a long list loses nothing already done.
            await session.SaveChangesAsync(cancellationToken);
        }

        return published;
    }
}
