using JasperFx;
using JasperFx.Events;
using Marten.Exceptions;
using Npgsql;

namespace ReferralNetwork.Messaging;

/// <summary>
/// A message that came before the one it builds on (an update before the arrival it updates).
/// Retried like a transient failure, so it is handled once the earlier message has been.
/// </summary>
public class ArrivedBeforeItsPredecessor(string message) : Exception(message);

/// <summary>
/// Which consumer failures are worth another try: a concurrent writer, a database that is briefly away,
/// a message that overtook its predecessor. Anything else (a rule the state does not allow, a bug) would
/// fail the same way again, so it goes straight to the queue's _error for an operator.
/// </summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        ConcurrencyException or EventStreamUnexpectedMaxEventIdException => true,
        JasperFx.Events.ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException => true,
        DocumentAlreadyExistsException => true,
        ArrivedBeforeItsPredecessor => true,
        NpgsqlException { IsTransient: true } or TimeoutException => true,
        MartenCommandException { InnerException: { } inner } => IsTransient(inner),
        _ => false,
    };
}
