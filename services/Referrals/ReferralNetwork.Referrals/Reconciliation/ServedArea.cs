using Marten;
using MassTransit;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.Organisations;

namespace ReferralNetwork.Referrals.Reconciliation;

/// <summary>
/// An area a link-worker service serves, known since <paramref name="Since"/> (this service's clock). A referral for any
/// other area waits at the link-worker service until its area has one, which is no loss, so only referrals of these
/// areas are reconciled; and a referral that waited counts from when its area was served.
/// </summary>
public sealed record ServedArea(string Id, DateTimeOffset Since)
{
    /// <summary>Keeps the first time the area was known to be served; later news of it changes nothing.</summary>
    public static async Task LearnAsync(IDocumentSession session, string area, DateTimeOffset at, CancellationToken ct)
    {
        if (await session.LoadAsync<ServedArea>(area, ct) is null)
        {
            session.Store(new ServedArea(area, at));
        }
    }
}

/// <summary>
/// Learns the served areas from the registry's registrations of link-worker services, the events the link-worker service
/// routes by. Stamped with our clock on arrival: the link-worker service hears of the registration about then, and routes
/// the area's waiting referrals at once. The inbox commits.
/// </summary>
public sealed class ServedAreasConsumer(IDocumentSession session, TimeProvider clock) : IConsumer<OrganisationRegistered>
{
    public Task Consume(ConsumeContext<OrganisationRegistered> context) =>
        context.Message.Kind == OrganisationKind.LinkWorkerService
            ? ServedArea.LearnAsync(session, context.Message.Area, clock.GetUtcNow(), context.CancellationToken)
            : Task.CompletedTask;
}
