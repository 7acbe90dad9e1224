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

    /// <summary>
    /// How long a message waits on the broker after a transient failure outlasted <see cref="RetryIntervals"/>
    /// (see <see cref="WaitingRoom"/>). Long enough for a database restart or a message it depends on.
    /// </summary>
    public TimeSpan RedeliveryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times it waits before it goes to _error: with the defaults, about ten minutes and a half.</summary>
    public int Redeliveries { get; set; } = 20;
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
            .Validate(o => o.RedeliveryDelay >= TimeSpan.FromSeconds(1) && o.RedeliveryDelay <= TimeSpan.FromHours(1),
                "Messaging:RedeliveryDelay must be between 1 second and 1 hour.")
            .Validate(o => o.Redeliveries is >= 0 and <= 1000, "Messaging:Redeliveries must be between 0 (straight to _error) and 1000.")
            .ValidateOnStart();
        return services;
    }
}
