using System.Collections.Concurrent;
using JasperFx.Events;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.Contracts.Erasure;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.Messaging.Erasure;

/// <summary>What stands where a person was, in the contracts' own shapes, for every service's masking rules.</summary>
public static class ErasedPeople
{
    public static readonly Contracts.PersonDetails Person =
        new(ErasedText.Marker, ErasedText.Marker, DateOnly.MinValue, null, null, null, null, null, null, null);

    public static readonly Contracts.LinkWorkers.OnwardReferralPerson OnwardPerson =
        new(ErasedText.Marker, ErasedText.Marker, null, null, null, null, null);
}

/// <summary>This service carried out an erasure: published as <see cref="PersonErasureCompleted"/>.</summary>
public sealed record PersonErasureCarriedOut(Guid ErasureId, string Service, int Referrals, DateTimeOffset At);

/// <summary>The stream type of a service's erasure receipts.</summary>
public sealed class PersonErasureReceipt;

/// <summary>Which service this is, as erasure receipts name it.</summary>
public sealed record MessagingService(string Name);

public static class PersonErasures
{
    private static readonly ConcurrentDictionary<Type, Func<object, Guid>?> ReferralIdReaders = new();

    /// <summary>Registers this service's erasure and the consumer that carries out the operator's requests with it.</summary>
    public static IBusRegistrationConfigurator AddPersonErasure<TErasure>(this IBusRegistrationConfigurator bus)
        where TErasure : class, IPersonErasure
    {
        bus.AddSingleton<IPersonErasure, TErasure>();
        bus.AddConsumer<PersonErasureConsumer>();
        return bus;
    }

    /// <summary>
    /// Marks the referral's streams erased and commits that first, then erases: whatever commits about the
    /// referral before the marks is masked by the erasure, whatever commits after them finds the marks.
    /// </summary>
    public static async Task EraseAsync(IDocumentStore store, IPersonErasure erasure, Guid referralId, Guid erasureId, DateTimeOffset at, CancellationToken ct)
    {
        await using (var session = store.LightweightSession())
        {
            var streams = await erasure.StreamsOfAsync(session, referralId, ct);
            foreach (var id in streams.Append(referralId).Distinct())
            {
                session.Store(new ErasedStream(id, referralId, erasureId, at));
            }

            await session.SaveChangesAsync(ct);
        }

        await erasure.EraseAsync(referralId, ct);
    }

    /// <summary>
    /// After a consumer committed something about a referral that was erased meanwhile (a message that was
    /// already on its way), erases it again so that nothing it brought stays.
    /// </summary>
    public static async Task FollowUpAsync(IServiceProvider services, IQuerySession session, object message, CancellationToken ct)
    {
        if (services.GetService<IPersonErasure>() is not { } erasure || ReferralIdOf(message) is not { } referralId)
        {
            return;
        }

        if (await session.LoadAsync<ErasedStream>(referralId, ct) is { } erased)
        {
            await EraseAsync(services.GetRequiredService<IDocumentStore>(), erasure, referralId, erased.ErasureId, erased.At, ct);
        }
    }

    /// <summary>The referral an integration event is about: every contract names it <c>ReferralId</c>.</summary>
    public static Guid? ReferralIdOf(object message)
    {
        var read = ReferralIdReaders.GetOrAdd(message.GetType(), type =>
            type.GetProperty("ReferralId") is { } property && property.PropertyType == typeof(Guid) ? m => (Guid)property.GetValue(m)! : null);
        return read?.Invoke(message);
    }

    /// <summary>Wraps a service's map so its erasure receipts are published too.</summary>
    internal static IIntegrationEventMap WithErasureReceipts(this IIntegrationEventMap map) => new ReceiptsMap(map);

    private sealed class ReceiptsMap(IIntegrationEventMap inner) : IIntegrationEventMap
    {
        public object? ToIntegrationEvent(IEvent @event) => @event.Data is PersonErasureCarriedOut done
            ? new PersonErasureCompleted(done.ErasureId, done.Service, done.At)
            : inner.ToIntegrationEvent(@event);
    }
}

/// <summary>Carries out the operator's erasure in this service and records a receipt, which the relay publishes.</summary>
public sealed class PersonErasureConsumer(IDocumentSession session, IDocumentStore store, IPersonErasure erasure, MessagingService service, TimeProvider clock)
    : IConsumer<PersonErasureRequested>
{
    public async Task Consume(ConsumeContext<PersonErasureRequested> context)
    {
        var message = context.Message;
        var ct = context.CancellationToken;
        foreach (var referralId in message.ReferralIds)
        {
            await PersonErasures.EraseAsync(store, erasure, referralId, message.ErasureId, message.At, ct);
        }

        var receipt = new PersonErasureCarriedOut(message.ErasureId, service.Name, message.ReferralIds.Count, clock.GetUtcNow());
        if (await session.Events.FetchStreamStateAsync(message.ErasureId, ct) is null)
        {
            session.Events.StartStream<PersonErasureReceipt>(message.ErasureId, receipt);
        }
        else
        {
            // The referral service keeps the erasure itself under that id; its receipt counts there once relayed back.
            session.Events.Append(message.ErasureId, receipt);
        }
    }
}
