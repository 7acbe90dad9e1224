using JasperFx;
using JasperFx.Events;
using Marten.Exceptions;
using Npgsql;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.Messaging;

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
        ArrivedOutOfOrder => true,
        NpgsqlException { IsTransient: true } or TimeoutException => true,
        // However it is wrapped (Marten's command exception, a transaction disposed under a commit the
        // database's crash cut off): the cause decides.
        { InnerException: { } inner } => IsTransient(inner),
        _ => false,
    };
}
