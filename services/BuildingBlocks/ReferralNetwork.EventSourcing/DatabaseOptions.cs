using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ReferralNetwork.EventSourcing;

/// <summary>
/// Limits PostgreSQL enforces on every session of the service (configuration section "Database"),
/// set in the connection string's startup options so they hold on any server, ours or an external one.
/// </summary>
/// <remarks>
/// The async daemon reads the event log up to the highest sequence number with no gap below it, and it
/// waits for a gap while the transaction that reserved it is alive. One session left in a transaction
/// after appending (a leaked session, a process stuck mid-request) would therefore hold every subscription
/// of the service (the relay, the partner feed) for as long as it lived. These limits end such a session:
/// its transaction rolls back, the gap is then provably empty, and the daemon moves on.
/// </remarks>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>
    /// Longest a single statement may run (<c>statement_timeout</c>). 30 s, the same as Npgsql's own command
    /// timeout, which already abandons a longer wait on the client's side; on the server it also stops a
    /// statement whose client has gone (a killed process keeps its statement running, and its locks held,
    /// until the statement ends). Generous for what the services run: a page of events for a subscription, an
    /// erasure's masking of one person's streams, and the commissioner report, whose heaviest query reads every
    /// journey of an area: a million journey documents (1.1 GB) took 8.5 s to read and parse with Npgsql on a
    /// 2-core machine under load.
    /// </summary>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest a session may sit idle inside an open transaction (<c>idle_in_transaction_session_timeout</c>)
    /// before the server ends it. 60 s: nothing of ours waits with a transaction open for more than a few
    /// seconds (a command holds its stream's lock while it decides; the feed writer commits a page with its
    /// progress), and it is well inside the 2 minutes after which the subscriptions health check reports a
    /// subscription that has stopped advancing, so a leaked session is gone before anything is reported stalled.
    /// </summary>
    public TimeSpan IdleInTransactionSessionTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Statements Npgsql prepares on each connection once they recur (<c>Max Auto Prepare</c>), unless the
    /// connection string sets its own. Marten prepares nothing itself, so without this PostgreSQL parses and plans
    /// every statement of every save, and Npgsql resets each pooled connection with <c>DISCARD ALL</c>, dropping
    /// the plans cached inside Marten's append function too: the benchmark measured Marten's append path at 0.32×
    /// the rate of hand-written inserts of the same rows without it, 0.55× with 32 (docs/benchmarks.md).
    /// </summary>
    public int MaxAutoPrepare { get; set; } = 32;

    /// <summary><paramref name="connectionString"/> with these limits added to its startup options.</summary>
    public string ApplyTo(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // Npgsql's own builder claims every keyword it knows; the plain one holds only what the string says.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = MaxAutoPrepare;
        }

        // Marten takes a pooled connection for each query and save and gives it back, and Npgsql would reset every
        // connection given back: seven statements PostgreSQL parses and runs on the next use, 73,000 times in 30 s at
        // 100 referrals a second, three in four of all the statements it ran (docs/benchmarks.md). Nothing of ours
        // leaves state on a session to reset: advisory locks are taken per transaction (pg_advisory_xact_lock),
        // settings with SET LOCAL, and nothing listens or makes temporary tables.
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        // After whatever options the connection string already carries: the later setting wins.
        var limits = $"-c statement_timeout={Milliseconds(StatementTimeout)} -c idle_in_transaction_session_timeout={Milliseconds(IdleInTransactionSessionTimeout)}";
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? limits : $"{builder.Options} {limits}";
        return builder.ConnectionString;
    }

    private static string Milliseconds(TimeSpan span) =>
        ((long)Math.Ceiling(span.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
}

public static class DatabaseOptionsExtensions
{
    /// <summary>The largest limit accepted: PostgreSQL takes milliseconds as a 32-bit integer, and an hour is already no limit.</summary>
    public static readonly TimeSpan LongestLimit = TimeSpan.FromHours(1);

    /// <summary>Binds section "Database"; a bad value stops the service at start, naming the setting.</summary>
    public static IServiceCollection AddDatabaseOptions(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.Section)
            .Validate(o => IsLimit(o.StatementTimeout), "Database:StatementTimeout must be a positive time span of at most an hour.")
            .Validate(o => o.MaxAutoPrepare is >= 0 and <= 256, "Database:MaxAutoPrepare must be 0 (prepare nothing) to 256.")
            .Validate(o => IsLimit(o.IdleInTransactionSessionTimeout),
                "Database:IdleInTransactionSessionTimeout must be a positive time span of at most an hour.")
            .ValidateOnStart();
        return services;
    }

    private static bool IsLimit(TimeSpan span) => span > TimeSpan.Zero && span <= LongestLimit;
}
