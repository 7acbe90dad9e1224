using Marten;
using Microsoft.AspNetCore.Http;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.PartnerApi;

/// <summary>
/// A partner's command on one aggregate: If-Match in, ETag out, through the one write path
/// (<see cref="AggregateStreams"/>). Refusals are exceptions the problem handler answers:
/// <see cref="NotVisible"/> 404, <see cref="InvalidCommand"/> 422, <see cref="RuleViolation"/> and
/// <see cref="VersionMismatch"/> 409; a malformed If-Match is 400. Without If-Match the command waits for
/// whoever is writing the stream (another partner, or a consumer mirroring another service's report) and is
/// decided on what they wrote, rather than answering 409: a caller who did not ask for the optimistic check
/// has nothing to re-read, and the rules still refuse what the newer state does not allow.
/// </summary>
public static class AggregateCommands
{
    public static async Task<T> ChangeAsync<T>(
        this HttpContext http, IDocumentSession session, Guid id, Func<T, bool> isVisible, string what,
        Func<T, Task<IReadOnlyList<object>>> decide, CancellationToken ct)
        where T : class
    {
        var changed = await session.ChangeAsync(id, ETags.IfMatch(http.Request), isVisible, what, decide, ct, queueUnconditional: true);
        ETags.Set(http.Response, changed.Version);
        return changed.State;
    }

    public static Task<T> ChangeAsync<T>(
        this HttpContext http, IDocumentSession session, Guid id, Func<T, bool> isVisible, string what,
        Func<T, IReadOnlyList<object>> decide, CancellationToken ct)
        where T : class =>
        http.ChangeAsync<T>(session, id, isVisible, what, current => Task.FromResult(decide(current)), ct);

    /// <summary>Starts the aggregate's stream and sets its ETag.</summary>
    public static async Task<T> StartAsync<T>(this HttpContext http, IDocumentSession session, Guid id, IReadOnlyList<object> events, CancellationToken ct)
        where T : class
    {
        var started = await session.StartAsync<T>(id, events, ct);
        ETags.Set(http.Response, started.Version);
        return started.State;
    }
}
