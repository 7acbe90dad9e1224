using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.PartnerApi;

/// <summary>
/// How long an <c>Idempotency-Key</c> is remembered (configuration section "IdempotencyKeys"). The stored
/// first response can carry person data (a created referral), so it is kept no longer than a partner's
/// retries need: a request repeated after its key was forgotten is handled as new.
/// </summary>
public sealed class IdempotencyKeyOptions : IExpiryPolicy
{
    public const string Section = "IdempotencyKeys";

    /// <summary>
    /// 7 days, as partner-api.md promises: a partner retries a request within seconds to hours (a timeout,
    /// its own outage), and a week covers a failure over a long weekend with the retry queued until Tuesday.
    /// </summary>
    public TimeSpan KeepFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Hourly: a pass that finds nothing to delete is one indexed query.</summary>
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A thousand rows a statement: milliseconds each, far inside the statement timeout.</summary>
    public int DeleteBatchSize { get; set; } = 1000;
}

public static class IdempotencyKeyExpiryExtensions
{
    /// <summary>Deletes stored responses older than <see cref="IdempotencyKeyOptions.KeepFor"/>; binds section "IdempotencyKeys".</summary>
    public static IServiceCollection AddIdempotencyKeyExpiry(this IServiceCollection services)
    {
        services.AddOptions<IdempotencyKeyOptions>()
            .BindConfiguration(IdempotencyKeyOptions.Section)
            .ValidateExpiry(IdempotencyKeyOptions.Section)
            .ValidateOnStart();
        return services.AddDocumentExpiry<IdempotentResponse, IdempotencyKeyOptions>("idempotency-key", r => r.At);
    }
}
