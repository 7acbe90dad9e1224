using Microsoft.Extensions.DependencyInjection;

namespace ReferralNetwork.Messaging;

/// <summary>
/// How <see cref="IntegrationEventRelay"/> publishes (configuration section "Relay"); the defaults are
/// the initialisers below. A failed publish is retried after <see cref="FirstRetryAfter"/>, each later
/// wait doubling up to <see cref="LongestRetryAfter"/>: for as long as it takes through an outage, and
/// <see cref="AttemptsBeforeSettingAside"/> times when the event fails on its own.
/// </summary>
public sealed class RelayOptions
{
    public const string Section = "Relay";

    /// <summary>How long one publish may take before it counts as failed, so a paused broker cannot hang the relay.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Wait after the first failed publish of an event.</summary>
    public TimeSpan FirstRetryAfter { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The doubling waits stop growing here.</summary>
    public TimeSpan LongestRetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Attempts at an event that fails on its own (not through an outage) before it is set aside as
    /// unpublished so the events after it can go: enough to ride out a passing fault, few enough that a
    /// bad event holds the rest up for seconds, not hours.
    /// </summary>
    public int AttemptsBeforeSettingAside { get; set; } = 5;

    /// <summary>
    /// How often events set aside are tried again (<see cref="SetAsideEventsRetry"/>), besides once soon after
    /// the service starts: the cause (a permission, a bug) is usually fixed by a new configuration or version.
    /// </summary>
    public TimeSpan RetrySetAsideEvery { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Events the relay reads from the log at a time.</summary>
    public int BatchSize { get; set; } = 100;
}

public static class RelayOptionsExtensions
{
    /// <summary>Binds section "Relay"; a bad value stops the service at start, naming the setting.</summary>
    public static IServiceCollection AddRelayOptions(this IServiceCollection services)
    {
        services.AddOptions<RelayOptions>()
            .BindConfiguration(RelayOptions.Section)
            .Validate(o => o.PublishTimeout > TimeSpan.Zero, "Relay:PublishTimeout must be a positive time span.")
            .Validate(o => o.FirstRetryAfter > TimeSpan.Zero, "Relay:FirstRetryAfter must be a positive time span.")
            .Validate(o => o.LongestRetryAfter >= o.FirstRetryAfter, "Relay:LongestRetryAfter must not be shorter than Relay:FirstRetryAfter.")
            .Validate(o => o.BatchSize is >= 1 and <= 10_000, "Relay:BatchSize must be 1 to 10000.")
            .Validate(o => o.AttemptsBeforeSettingAside >= 1, "Relay:AttemptsBeforeSettingAside must be at least 1.")
            .Validate(o => o.RetrySetAsideEvery >= TimeSpan.FromSeconds(1) && o.RetrySetAsideEvery <= TimeSpan.FromDays(1),
                "Relay:RetrySetAsideEvery must be between 1 second and 1 day.")
            .ValidateOnStart();
        return services;
    }
}
