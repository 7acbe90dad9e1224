using JasperFx;
using Marten;
using MassTransit;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.Messaging;

/// <summary>A message one of this service's queues has already handled (the inbox).</summary>
public sealed record HandledMessage(string Id, DateTimeOffset HandledAt);

/// <summary>
/// The unit of work around every consumer: a message already handled on this queue (same MessageId)
/// is acknowledged and skipped; otherwise the consumer runs, and what it appended or stored through the
/// scope's <see cref="IDocumentSession"/> commits in one transaction with the inbox row. Consumers
/// therefore never call SaveChanges themselves.
/// </summary>
/// <remarks>
/// Afterwards, if the message's referral was erased, the erasure runs again (also for a message already
/// handled, in case that follow-up failed the first time): a message on its way during an erasure
/// leaves nothing behind.
/// </remarks>
public sealed class Inbox<TMessage>(IDocumentSession session, TimeProvider clock, IServiceProvider services) : IFilter<ConsumeContext<TMessage>>
    where TMessage : class
{
    public async Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next)
    {
        var key = Inbox.KeyFor(context);
        if (await session.LoadAsync<HandledMessage>(key, context.CancellationToken) is not null)
        {
            // Handled, not skipped: without this MassTransit would move the duplicate to _skipped, a dead-letter
            // queue an operator is told to look at.
            await context.NotifyConsumed(context, context.ReceiveContext.ElapsedTime, "inbox (already handled)");
            await Erasure.PersonErasures.FollowUpAsync(services, session, context.Message, context.CancellationToken);
            return;
        }

        // The person whose change this message carries is recorded on what handling it appends here too.
        if (ActingPerson.TryParse(context.Headers.Get<string>(Inbox.ActingPersonHeader), out var person))
        {
            session.LastModifiedBy = person.ToString();
        }

        await next.Send(context);
        session.Insert(new HandledMessage(key, clock.GetUtcNow()));
        try
        {
            await session.SaveChangesAsync(context.CancellationToken);
        }
        catch (DocumentAlreadyExistsException)
        {
            // A concurrent delivery of the same message won; its work stands and ours rolled back.
        }

        await Erasure.PersonErasures.FollowUpAsync(services, session, context.Message, context.CancellationToken);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("inbox");
}

public static class Inbox
{
    /// <summary>The <see cref="ActingPerson"/> an integration event's change was made by, set by the relay from the event.</summary>
    public const string ActingPersonHeader = "RN-Acting-Person";

    /// <summary>The queue's name (not the broker's address, which may move) and the message id.</summary>
    public static string KeyFor(ConsumeContext context)
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException("A message arrived without a MessageId.");
        return $"{QueueOf(context.ReceiveContext)}:{messageId:N}";
    }

    /// <summary>The name of the queue a message was received from.</summary>
    public static string QueueOf(ReceiveContext received) =>
        received.InputAddress?.AbsolutePath.TrimEnd('/').Split('/')[^1] ?? "unknown";
}
