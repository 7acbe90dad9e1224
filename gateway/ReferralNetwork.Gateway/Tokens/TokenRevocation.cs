using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using Marten;
using ReferralNetwork.Gateway.Clients;
using ReferralNetwork.Gateway.Organisations;
using ReferralNetwork.Gateway.People;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.Gateway.Tokens;

/// <summary>
/// Ends tokens at once after a secret rotation or a suspension (partner-api.md §10): a token is only
/// good while its credential generation is the organisation's current one and the organisation is not
/// suspended; and a person's token only while their account, in that organisation, has not ended.
/// The registry and the accounts are read at most once per <see cref="FreshFor"/> per organisation or
/// person; this gateway forgets its copy as soon as it commits a change, so only other gateway replicas
/// can lag, and by no more than that. See docs/security-tokens.md.
/// </summary>
public sealed class TokenRevocation(IDocumentStore store, IServiceScopeFactory scopes, TimeProvider clock)
{
    /// <summary>Short enough that another replica honours a revocation within a second; long enough to spare the database a read per request.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<Guid, Standing> cache = new();

    // Bumped on every local change, so a read that began before a change is never cached after it.
    private long changes;

    private readonly ConcurrentDictionary<Guid, PersonStanding> people = new();

    private sealed record Standing(int Generation, bool Suspended, DateTimeOffset FreshUntil);

    private sealed record PersonStanding(Guid OrganisationId, bool Ended, DateTimeOffset FreshUntil);

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
        if (standing is not { Suspended: false } || standing.Generation != generation)
        {
            return false;
        }

        // A system's token (client credentials) names no person; a person's names their account.
        var personClaim = user.FindFirst(NetworkTokens.PersonClaim)?.Value;
        if (personClaim is null)
        {
            return true;
        }

        if (!Guid.TryParse(personClaim, out var personId))
        {
            return false;
        }

        var person = await PersonStandingAsync(personId, ct);
        return person is { Ended: false } && person.OrganisationId == organisationId;
    }

    /// <summary>Called after a rotation, suspension or reinstatement commits.</summary>
    public void Forget(Guid organisationId)
    {
        Interlocked.Increment(ref changes);
        cache.TryRemove(organisationId, out _);
    }

    /// <summary>Called after a person's access ends.</summary>
    public void ForgetPerson(Guid personId)
    {
        Interlocked.Increment(ref changes);
        people.TryRemove(personId, out _);
    }

    private async Task<PersonStanding?> PersonStandingAsync(Guid personId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (people.TryGetValue(personId, out var cached) && cached.FreshUntil > now)
        {
            return cached;
        }

        var before = Interlocked.Read(ref changes);
        await using var scope = scopes.CreateAsyncScope();
        if (await scope.ServiceProvider.GetRequiredService<PeopleDb>().StandingOfAsync(personId, ct) is not { } account)
        {
            return null;
        }

        var standing = new PersonStanding(account.OrganisationId, account.Ended, now + FreshFor);
        if (Interlocked.Read(ref changes) == before)
        {
            people[personId] = standing;
        }

        return standing;
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
