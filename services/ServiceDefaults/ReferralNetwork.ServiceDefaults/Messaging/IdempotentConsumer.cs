using Marten;
using JasperFx;
using MassTransit;

namespace ReferralNetwork.ServiceDefaults.Messaging;

/// <summary>A message this service has already handled (the inbox).</summary>
public sealed record HandledMessage(string Id, DateTimeOffset HandledAt);

/// <summary>
/// Handles each message once: the inbox row and whatever the handler appends commit in one
/// transaction, so a redelivered message (same MessageId) is acknowledged and skipped.
/// </summary>
public abstract class IdempotentConsumer<TMessage>(IDocumentSession session, TimeProvider clock) : IConsumer<TMessage>
    where TMessage : class
{
    protected IDocumentSession Session { get; } = session;

    protected TimeProvider Clock { get; } = clock;

    public async Task Consume(ConsumeContext<TMessage> context)
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException($"{typeof(TMessage).Name} arrived without a MessageId.");
        var key = $"{GetType().Name}:{messageId:N}";
        if (await Session.LoadAsync<HandledMessage>(key, context.CancellationToken) is not null)
        {
            return;
        }

        await HandleAsync(context.Message, context.CancellationToken);
        Session.Insert(new HandledMessage(key, Clock.GetUtcNow()));
        try
        {
            await Session.SaveChangesAsync(context.CancellationToken);
        }
        catch (DocumentAlreadyExistsException)
        {
            // A concurrent delivery of the same message won; its work stands and ours rolled back.
        }
    }

    /// <summary>Append or store through <see cref="Session"/>; do not save, the base class does.</summary>
    protected abstract Task HandleAsync(TMessage message, CancellationToken ct);
}
