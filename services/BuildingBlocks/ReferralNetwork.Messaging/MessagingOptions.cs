using Microsoft.Extensions.DependencyInjection;

namespace ReferralNetwork.Messaging;

/// <summary>How consumers retry a transient failure (configuration section "Messaging").</summary>
public sealed class MessagingOptions
{
    public const string Section = "Messaging";

    /// <summary>The waits when none are configured.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetryIntervals =
        [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

    /// <summary>
    /// Waits between in-memory retries of a transient failure; after the last, the message goes to _error.
    /// Empty here rather than the defaults, because the configuration binder appends to an array it finds.
    /// </summary>
    public TimeSpan[] RetryIntervals { get; set; } = [];
}

public static class MessagingOptionsExtensions
{
    /// <summary>Binds section "Messaging"; a bad value stops the service at start, naming the setting.</summary>
    public static IServiceCollection AddMessagingOptions(this IServiceCollection services)
    {
        services.AddOptions<MessagingOptions>()
            .BindConfiguration(MessagingOptions.Section)
            .PostConfigure(o => o.RetryIntervals = o.RetryIntervals.Length > 0 ? o.RetryIntervals : [.. MessagingOptions.DefaultRetryIntervals])
            .Validate(o => o.RetryIntervals.Length is >= 1 and <= 20, "Messaging:RetryIntervals must list 1 to 20 waits.")
            .Validate(o => o.RetryIntervals.All(i => i > TimeSpan.Zero && i <= TimeSpan.FromMinutes(1)),
                "Messaging:RetryIntervals must each be a positive time span of at most a minute (a retry holds its queue).")
            .ValidateOnStart();
        return services;
    }
}
