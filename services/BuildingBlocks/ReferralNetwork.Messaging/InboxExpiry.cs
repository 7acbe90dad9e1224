using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.Messaging;

/// <summary>
/// How long the inbox remembers a handled message (configuration section "Inbox"). A copy of a message that
/// arrives after its <see cref="HandledMessage"/> was deleted is handled again, so the retention must outlast
/// every way a copy can arrive late.
/// </summary>
public sealed class InboxOptions : IExpiryPolicy
{
    public const string Section = "Inbox";

    /// <summary>
    /// 14 days. Copies arrive late by seconds to minutes in normal running: the broker redelivering what a
    /// consumer took but did not acknowledge, the relay republishing its last page after a crash, the consumer's
    /// own retries (seconds, <see cref="MessagingOptions.RetryIntervals"/>). The longest delay is a person's: a
    /// message left in a queue's <c>_error</c> (a copy that failed while another was handled, a database away
    /// through every retry) until an operator moves it back, which two weeks covers with room for a holiday.
    /// Rewinding a relay further back than this would hand consumers messages they have forgotten.
    /// </summary>
    public TimeSpan KeepFor { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Hourly: a pass that finds nothing to delete is one indexed query.</summary>
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A thousand rows a statement: milliseconds each, far inside the statement timeout.</summary>
    public int DeleteBatchSize { get; set; } = 1000;
}

public static class InboxExpiryExtensions
{
    /// <summary>Deletes handled-message records older than <see cref="InboxOptions.KeepFor"/>; binds section "Inbox".</summary>
    public static IServiceCollection AddInboxExpiry(this IServiceCollection services)
    {
        services.AddOptions<InboxOptions>()
            .BindConfiguration(InboxOptions.Section)
            .ValidateExpiry(InboxOptions.Section)
            .ValidateOnStart();
        return services.AddDocumentExpiry<HandledMessage, InboxOptions>("inbox", m => m.HandledAt);
    }
}
