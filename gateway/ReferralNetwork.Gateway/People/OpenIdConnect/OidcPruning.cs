using OpenIddict.Abstractions;

namespace ReferralNetwork.Gateway.People.OpenIdConnect;

/// <summary>
/// OpenIddict keeps a row for every code and token it issues (so a code is redeemed once) and never
/// deletes them itself: every hour, the ones that ended more than a day ago are deleted.
/// </summary>
internal sealed class OidcPruning(IServiceScopeFactory scopes, TimeProvider clock, ILogger<OidcPruning> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromHours(1);

    /// <summary>Kept a day past their end, long enough to see a replayed code refused as such in the logs.</summary>
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PruneAsync(clock.GetUtcNow() - KeepFor, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Tried again next hour; nothing depends on it meanwhile.
                logger.LogWarning(ex, "Pruning the OpenID Connect server's spent codes and tokens failed.");
            }
        }
    }

    /// <summary>Deletes codes, tokens and ad hoc authorizations that ended before <paramref name="threshold"/>; returns how many.</summary>
    public async Task<long> PruneAsync(DateTimeOffset threshold, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, ct);
        var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, ct);
        return tokens + authorizations;
    }
}
