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
    /// Lets webhook URLs point at loopback, private and link-local addresses, so a receiver on a
    /// developer's machine or in a test can be reached. A relaxation for tests and local development
    /// only, set explicitly there: production never sets it, or a partner could make the network
    /// call hosts inside it.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

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
