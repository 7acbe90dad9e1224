namespace ReferralNetwork.Hosting;

/// <summary>Where a child process is in its life, as a dashboard would show it.</summary>
public enum ResourceState
{
    NotStarted,
    /// <summary>Launched, not yet seen healthy.</summary>
    Starting,
    /// <summary>Seen healthy since the last launch.</summary>
    Running,
    /// <summary>Exited unexpectedly; waiting out the backoff before the next launch.</summary>
    Restarting,
    Stopping,
    Stopped,
}

/// <summary>PostgreSQL or RabbitMQ as the dashboard shows it (state: running, stopped, not-started or external).</summary>
public sealed record InfrastructureResource(
    string Name, string Kind, string State, string? Url, int? Port, int? ProcessId, DateTimeOffset? StartedAt);
