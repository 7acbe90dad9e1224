using Marten;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging.Erasure;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.LinkWorkers.Cases;

/// <summary>
/// Erasure in the link-worker service: the case's events (the person, the referral's reason, the
/// assessment, notes and summaries), the case snapshot, a referral still waiting for its area's service,
/// and the stored answers to keyed requests.
/// </summary>
public sealed class CaseErasure(IDocumentStore store) : IPersonErasure
{
    /// <summary>Every event of a case that can hold something about the person.</summary>
    public static void AddMaskingRules(StoreOptions opts)
    {
        opts.Events.AddMaskingRuleForProtectedInformation<CaseOpened>(e => e with { Person = ErasedPeople.Person, Reason = ErasedText.Optional(e.Reason) });
        opts.Events.AddMaskingRuleForProtectedInformation<AssessmentRecorded>(e => e with { WhatMatters = ErasedText.Marker, Interests = [], Barriers = [] });
        opts.Events.AddMaskingRuleForProtectedInformation<OnwardReferralMade>(e => e with { Person = ErasedPeople.OnwardPerson, Note = ErasedText.Optional(e.Note) });
        opts.Events.AddMaskingRuleForProtectedInformation<CaseRejected>(e => e with { Note = ErasedText.Optional(e.Note) });
        opts.Events.AddMaskingRuleForProtectedInformation<CasePutOnHold>(e => e with { Note = ErasedText.Optional(e.Note) });
        opts.Events.AddMaskingRuleForProtectedInformation<CaseClosed>(e => e with { Summary = ErasedText.Marker });
        opts.Events.AddMaskingRuleForProtectedInformation<CaseCancelled>(e => e with { Note = ErasedText.Optional(e.Note) });
        opts.Events.AddMaskingRuleForProtectedInformation<CaseOnwardReferralWithdrawn>(e => e with { Note = ErasedText.Optional(e.Note) });
        opts.Events.AddMaskingRuleForProtectedInformation<OnwardReferralStatusReported>(e => e with { Reason = ErasedText.UnlessCode(e.Reason) });
    }

    public Task<IReadOnlyList<Guid>> StreamsOfAsync(IQuerySession session, Guid referralId, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<Guid>>([referralId]);

    public async Task EraseAsync(Guid referralId, CancellationToken ct)
    {
        await store.MaskAsync<Case>([referralId], ct);

        await using var session = store.LightweightSession();
        if (await session.LoadAsync<WaitingReferral>(referralId, ct) is { } waiting)
        {
            // Still routed when its area's service registers, without the person.
            session.Store(waiting with { Referral = waiting.Referral with { Person = ErasedPeople.Person, Reason = ErasedText.Optional(waiting.Referral.Reason) } });
        }

        await IdempotencyKeys.ForgetResponsesAboutAsync(session, referralId, ct);
        await session.SaveChangesAsync(ct);
    }
}
