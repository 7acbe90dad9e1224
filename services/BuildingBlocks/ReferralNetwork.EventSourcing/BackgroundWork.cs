using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ReferralNetwork.EventSourcing;

/// <summary>Where a service's background work runs (setting <c>BackgroundWork:Mode</c>).</summary>
public enum BackgroundWorkMode
{
    /// <summary>In this instance, always: one instance per service (the AppHost, a single replica).</summary>
    All,

    /// <summary>In whichever instance holds the service's leader lock, a PostgreSQL advisory lock in its own database.</summary>
    Leader,

    /// <summary>Never here: an instance that only serves the API beside others that do the work.</summary>
    None,
}

public sealed class BackgroundWorkOptions
{
    public const string Section = "BackgroundWork";

    public BackgroundWorkMode Mode { get; set; } = BackgroundWorkMode.All;

    /// <summary>How often the leader makes sure it still holds the lock, and the others try to take it.</summary>
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Whether this instance does its service's background work now: the event store's async daemon (projections,
/// the relay to the broker, the feed) and the workers that must run once per service, not once per instance
/// (acknowledgement deadlines, webhook deliveries, set-aside events, expiry). Workers ask at every pass.
/// </summary>
public interface IBackgroundWork
{
    bool IsMine { get; }
}

/// <summary>For a worker made by hand (tests, tools): the work is this instance's.</summary>
public sealed class AlwaysThisInstance : IBackgroundWork
{
    public static IBackgroundWork Work { get; } = new AlwaysThisInstance();

    public bool IsMine => true;
}

/// <summary>
/// Leader election for a service's instances (issue 16) by a session-level advisory lock in the service's own
/// database, held on a connection of its own outside the pool: whoever holds it runs the async daemon (started
/// here, not by Marten's Solo coordinator) and the workers. The lock goes with the connection, so an instance that
/// crashes, or loses its database (a failover), gives it up; the leader checks its connection every
/// <see cref="BackgroundWorkOptions.CheckEvery"/> and stops the daemon the moment the check fails, and the others
/// try to take the lock as often. Marten's own HotCold mode does the same but needs the DistributedLock package this
/// build redirects (README), hence ours.
/// </summary>
public sealed class BackgroundWorkLeadership(
    IDocumentStore store, string connectionString, IOptions<BackgroundWorkOptions> options, TimeProvider clock, ILogger<BackgroundWorkLeadership> logger)
    : BackgroundService, IBackgroundWork
{
    /// <summary>The lock's number, the same in every service's own database ("RN-BGWRK").</summary>
    public const long LockKey = 0x524E_2D42_4757_524B;

    private volatile bool mine;

    public bool IsMine => options.Value.Mode switch
    {
        BackgroundWorkMode.All => true,
        BackgroundWorkMode.None => false,
        _ => mine,
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Mode != BackgroundWorkMode.Leader)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await LeadWhileHeldAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(ex, "The service's leader lock could not be checked; trying again in {Delay}", options.Value.CheckEvery);
            }

            try
            {
                await Task.Delay(options.Value.CheckEvery, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Takes the lock if free, then does the work for as long as the lock's connection answers.</summary>
    private async Task LeadWhileHeldAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(LockConnectionString(connectionString));
        await connection.OpenAsync(ct);
        await using (var take = new NpgsqlCommand("select pg_try_advisory_lock(@key)", connection))
        {
            take.Parameters.AddWithValue("key", LockKey);
            if (await take.ExecuteScalarAsync(ct) is not true)
            {
                return;
            }
        }

        logger.LogInformation("This instance now does the service's background work (it holds the leader lock)");
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        mine = true;
        try
        {
            while (await StillConnectedAsync(connection, ct))
            {
                await Task.Delay(options.Value.CheckEvery, clock, ct);
            }
        }
        finally
        {
            mine = false;
            // Not the caller's token: the daemon must stop even when the host is stopping.
            await daemon.StopAllAsync();
            logger.LogWarning("This instance no longer does the service's background work");
        }
    }

    private async Task<bool> StillConnectedAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        try
        {
            await using var check = new NpgsqlCommand("select 1", connection) { CommandTimeout = Math.Max(1, (int)options.Value.CheckEvery.TotalSeconds) };
            await check.ExecuteScalarAsync(ct);
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            logger.LogWarning(ex, "The leader lock's connection failed: the lock is gone with it");
            return false;
        }
    }

    /// <summary>What the lock's session is called in pg_stat_activity, with the holder's process id: which instance leads.</summary>
    public const string LockApplicationName = "referral-network-leader-lock";

    /// <summary>Its own session, never pooled: a pooled one would keep the lock after it is given back.</summary>
    internal static string LockConnectionString(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString)
    {
        Pooling = false,
        ApplicationName = $"{LockApplicationName} {Environment.ProcessId}",
    }.ConnectionString;
}

public static class BackgroundWorkExtensions
{
    /// <summary>The mode from configuration, checked; read when the event store is registered.</summary>
    public static BackgroundWorkOptions ReadBackgroundWork(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BackgroundWorkOptions>()
            .BindConfiguration(BackgroundWorkOptions.Section)
            .Validate(o => Enum.IsDefined(o.Mode), "BackgroundWork:Mode must be All, Leader or None.")
            .Validate(o => o.CheckEvery >= TimeSpan.FromSeconds(1) && o.CheckEvery <= TimeSpan.FromMinutes(1),
                "BackgroundWork:CheckEvery must be between 1 second and 1 minute.")
            .ValidateOnStart();
        return builder.Configuration.GetSection(BackgroundWorkOptions.Section).Get<BackgroundWorkOptions>() ?? new BackgroundWorkOptions();
    }

    internal static void AddBackgroundWork(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<BackgroundWorkLeadership>(sp, connectionString));
        services.AddSingleton<IBackgroundWork>(sp => sp.GetRequiredService<BackgroundWorkLeadership>());
        services.AddHostedService(sp => sp.GetRequiredService<BackgroundWorkLeadership>());
        services.AddHealthChecks().AddCheck<BackgroundWorkHealthCheck>("background-work", tags: ["ready"]);
    }

    /// <summary>Marten's own daemon for one instance; none where leadership (or nobody here) runs it.</summary>
    internal static DaemonMode DaemonModeFor(BackgroundWorkMode mode) => mode == BackgroundWorkMode.All ? DaemonMode.Solo : DaemonMode.Disabled;
}

/// <summary>
/// Says in /health whether this instance does its service's background work (<c>leading</c>), so an operator, or a
/// test sampling every instance, sees that exactly one does. Always healthy: standing by is as it should be.
/// </summary>
public sealed class BackgroundWorkHealthCheck(IBackgroundWork work, IOptions<BackgroundWorkOptions> options) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var leading = work.IsMine;
        var description = (options.Value.Mode, leading) switch
        {
            (BackgroundWorkMode.All, _) => "this instance does the service's background work (mode All: one instance per service)",
            (BackgroundWorkMode.None, _) => "another instance does the service's background work (mode None)",
            (_, true) => "this instance does the service's background work: it holds the leader lock",
            _ => "standing by: another instance holds the leader lock",
        };
        return Task.FromResult(Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy(description,
            new Dictionary<string, object> { ["mode"] = options.Value.Mode.ToString(), ["leading"] = leading }));
    }
}
