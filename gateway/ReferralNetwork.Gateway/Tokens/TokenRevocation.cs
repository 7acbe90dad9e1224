using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using Marten;
using ReferralNetwork.Gateway.Clients;
using ReferralNetwork.Gateway.Organisations;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.Gateway.Tokens;

/// <summary>
/// Ends tokens at once after a secret rotation or a suspension (partner-api.md §10): a token is only
/// good while its credential generation is the organisation's current one and the organisation is not
/// suspended. The registry is read at most once per <see cref="FreshFor"/> per organisation; this
/// gateway forgets its copy as soon as it commits a change, so only other gateway replicas can lag,
/// and by no more than that. See docs/security-tokens.md.
/// </summary>
public sealed class TokenRevocation(IDocumentStore store, TimeProvider clock)
{
    /// <summary>Short enough that another replica honours a revocation within a second; long enough to spare the database a read per request.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<Guid, Standing> cache = new();

    // Bumped on every local change, so a read that began before a change is never cached after it.
    private long changes;

    private sealed record Standing(int Generation, bool Suspended, DateTimeOffset FreshUntil);

    /// <summary>Whether a token the signature check accepted is still in force.</summary>
    public async Task<bool> IsCurrentAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Guid.TryParse(user.FindFirst(NetworkTokens.OrganisationClaim)?.Value, out var organisationId))
        {
            return false;
        }

        // The operator is not in the registry: its tokens end with their lifetime (see the doc).
        if (organisationId == OperatorClient.OrganisationId)
        {
            return true;
        }

        // A token without a generation predates revocation and cannot be checked: refuse it.
        if (!int.TryParse(user.FindFirst(NetworkTokens.GenerationClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
        {
            return false;
        }

        var standing = await StandingAsync(organisationId, ct);
        return standing is { Suspended: false } && standing.Generation == generation;
    }

    /// <summary>Called after a rotation, suspension or reinstatement commits.</summary>
    public void Forget(Guid organisationId)
    {
        Interlocked.Increment(ref changes);
        cache.TryRemove(organisationId, out _);
    }

    private async Task<Standing?> StandingAsync(Guid organisationId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (cache.TryGetValue(organisationId, out var cached) && cached.FreshUntil > now)
        {
            return cached;
        }

        var before = Interlocked.Read(ref changes);
        await using var session = store.QuerySession();
        var organisation = await session.LoadAsync<Organisation>(organisationId, ct);
        if (organisation is null)
        {
            return null;
        }

        var standing = new Standing(organisation.CredentialGeneration, organisation.Suspended, now + FreshFor);
        if (Interlocked.Read(ref changes) == before)
        {
            cache[organisationId] = standing;
        }

        return standing;
    }
}
