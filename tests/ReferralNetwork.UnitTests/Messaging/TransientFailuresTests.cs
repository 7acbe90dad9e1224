using JasperFx;
using Marten.Exceptions;
using Npgsql;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging;
using ReferralNetwork.Referrals.Referrals;

namespace ReferralNetwork.UnitTests.Messaging;

/// <summary>Only failures that waiting can mend are retried; the rest go to _error at once.</summary>
public class TransientFailuresTests
{
    public static TheoryData<Exception, bool> Failures => new()
    {
        { new ConcurrencyException("another writer won", null), true },
        { new NpgsqlException("connection lost", new IOException("reset")), true },
        { new TimeoutException(), true },
        { new MartenCommandException(new NpgsqlCommand("select 1"), new NpgsqlException("connection lost", new IOException("reset"))), true },
        // Seen in the fault suite: a commit cut off by PostgreSQL's crash.
        { new ObjectDisposedException("NpgsqlTransaction", new NpgsqlException("terminating connection", new IOException("reset"))), true },
        { new ObjectDisposedException("NpgsqlTransaction"), false },
        { new WithdrawnBeforeArrival(Guid.NewGuid()), true },
        { new ReportedOutOfOrder("contact before acceptance"), true },
        { new RuleViolation("Only a requested case can be accepted."), false },
        { new InvalidOperationException("a bug"), false },
        { new NpgsqlException("syntax error"), false },
        { new MartenCommandException(new NpgsqlCommand("select 1"), new NpgsqlException("syntax error")), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Is_retried_only_when_waiting_can_mend_it(Exception failure, bool transient) =>
        Assert.Equal(transient, TransientFailures.IsTransient(failure));
}
