namespace ReferralNetwork.Referrals.Webhooks;

/// <summary>Configuration section "Webhooks".</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Wait after the first failed attempt; each later wait doubles.</summary>
    public TimeSpan FirstRetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts before a delivery is given up as failed.</summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>How often the dispatcher looks for due deliveries when it has nothing to do.</summary>
    public TimeSpan PollEvery { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Lets webhooks go over plain http and to loopback addresses, so a receiver started by a test or on
    /// a developer's machine can be reached. Private, link-local, shared, multicast and reserved addresses
    /// stay refused even then. Set explicitly by tests and local development only: production never
    /// sets it, or a partner could make the network call hosts inside it.
    /// </summary>
    public bool AllowLoopbackReceivers { get; set; }

    /// <summary>How long one attempt may take before it counts as failed; short, so a slow receiver costs only itself.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Subscriptions delivered to at the same time; each subscription's deliveries go one after another.</summary>
    public int MaxConcurrentSubscriptions { get; set; } = 16;

    public RetrySchedule Schedule => new(FirstRetryAfter, MaxAttempts);
}

/// <summary>Exponential backoff: FirstRetryAfter, then twice that, and so on, capped at a day.</summary>
public sealed record RetrySchedule(TimeSpan FirstRetryAfter, int MaxAttempts)
{
    private static readonly TimeSpan Longest = TimeSpan.FromDays(1);

    /// <summary>The wait after <paramref name="failedAttempts"/> failures (1 = after the first attempt).</summary>
    public TimeSpan DelayAfter(int failedAttempts)
    {
        var doublings = Math.Clamp(failedAttempts - 1, 0, 30);
        var ticks = FirstRetryAfter.Ticks * Math.Pow(2, doublings);
        return ticks >= Longest.Ticks ? Longest : TimeSpan.FromTicks((long)ticks);
    }

    public bool IsExhausted(int attempts) => attempts >= MaxAttempts;
}
