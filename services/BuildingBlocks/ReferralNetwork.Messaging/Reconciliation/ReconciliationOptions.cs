using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ReferralNetwork.Messaging.Reconciliation;

/// <summary>How often a service looks for what never reached the service it was sent to, and how long it waits first (section "Reconciliation").</summary>
public sealed class ReconciliationOptions
{
    public const string Section = "Reconciliation";

    /// <summary>A minute: a pass is one indexed query that finds nothing in normal running.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Five minutes from when something was due at the other service until it counts as not arrived. A message
    /// arrives within seconds; the relay's and consumers' retries take seconds more, and a broker restart about a
    /// minute. Longer than that is an outage (which the <c>broker</c> and <c>subscriptions</c> checks show too) or a
    /// loss, and either is worth an operator's look.
    /// </summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromMinutes(5);
}

public static class ReconciliationExtensions
{
    /// <summary>Binds section "Reconciliation"; a bad value stops the service at start, naming the setting.</summary>
    public static IServiceCollection AddReconciliationOptions(this IServiceCollection services)
    {
        services.AddOptions<ReconciliationOptions>()
            .BindConfiguration(ReconciliationOptions.Section)
            .Validate(o => o.Interval > TimeSpan.Zero && o.Interval <= TimeSpan.FromHours(1),
                "Reconciliation:Interval must be a positive time span of at most an hour.")
            .Validate(o => o.Grace > TimeSpan.Zero, "Reconciliation:Grace must be a positive time span.")
            .ValidateOnStart();
        return services;
    }

    /// <summary>
    /// Checks every <see cref="ReconciliationOptions.Interval"/> for <typeparamref name="TItems"/> that have not
    /// reached the service they were sent to within <see cref="ReconciliationOptions.Grace"/>: counted in
    /// <see cref="ReconciliationWatcher.GaugeName"/>, shown by the <c>reconciliation</c> health check, and named in the log.
    /// </summary>
    public static IServiceCollection AddReconciliation<TItems>(this IServiceCollection services)
        where TItems : class, IReconciledItems
    {
        services.AddReconciliationOptions();
        services.AddSingleton<IReconciledItems, TItems>();
        services.AddSingleton<ReconciliationWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<ReconciliationWatcher>());
        // Degraded even when the check itself fails: something lost is for an operator to look into, not a
        // reason for a readiness probe to take the service out.
        services.AddHealthChecks().AddCheck<ReconciliationHealthCheck>("reconciliation", HealthStatus.Degraded, ["ready"]);
        return services;
    }
}
