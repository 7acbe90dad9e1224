using Microsoft.Extensions.DependencyInjection;

namespace ReferralNetwork.Messaging;

/// <summary>
/// How <see cref="IntegrationEventRelay"/> publishes (configuration section "Relay"); the defaults are
/// the initialisers below. A failed publish is retried after <see cref="FirstRetryAfter"/>, each later
/// wait doubling up to <see cref="LongestRetryAfter"/>, for as long as it takes.
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
            .ValidateOnStart();
        return services;
    }
}
