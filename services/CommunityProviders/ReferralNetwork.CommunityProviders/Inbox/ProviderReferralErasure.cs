using Marten;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging.Erasure;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.CommunityProviders.Inbox;

/// <summary>
/// Erasure in the provider service: every onward referral of the referral (the person, the link
/// worker's note, the provider's notes, summary and failure reason), their snapshots, and the stored
/// answers to keyed requests.
/// </summary>
public sealed class ProviderReferralErasure(IDocumentStore store) : IPersonErasure
{
    public static void AddMaskingRules(StoreOptions opts)
    {
        opts.Events.AddMaskingRuleForProtectedInformation<OnwardReferralArrived>(e => e with
        {
            Person = ErasedPeople.OnwardPerson,
            Note = ErasedText.Optional(e.Note),
        });
        opts.Events.AddMaskingRuleForProtectedInformation<OnwardReferralRejected>(e => e with { Note = ErasedText.Optional(e.Note) });
        opts.Events.AddMaskingRuleForProtectedInformation<OnwardReferralCompleted>(e => e with { Summary = ErasedText.Marker });
        opts.Events.AddMaskingRuleForProtectedInformation<OnwardReferralFailed>(e => e with { Reason = ErasedText.UnlessCode(e.Reason)! });
    }

    public async Task<IReadOnlyList<Guid>> StreamsOfAsync(IQuerySession session, Guid referralId, CancellationToken ct) =>
        await session.Query<ProviderReferral>().Where(r => r.ReferralId == referralId).Select(r => r.Id).ToListAsync(ct);

    public async Task EraseAsync(Guid referralId, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var streams = await StreamsOfAsync(session, referralId, ct);
        await store.MaskAsync<ProviderReferral>(streams.ToList(), ct);
        await IdempotencyKeys.ForgetResponsesAboutAsync(session, referralId, ct);
        await session.SaveChangesAsync(ct);
    }
}
