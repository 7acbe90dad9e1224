using Marten;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.UserFeedback;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.Feedback.Erasure;

/// <summary>
/// Erasure in the feedback service: goal texts of the referral's measures, comments given about it, a
/// provider's free-text failure reason on its journey, their snapshots, and the stored answers to keyed
/// requests. Scores, statuses and timings stay, so reports still count the referral.
/// </summary>
public sealed class FeedbackErasure(IDocumentStore store) : IPersonErasure
{
    public static void AddMaskingRules(StoreOptions opts)
    {
        // Numbered, because a measure's goals are told apart (and matched baseline to follow-up) by their text.
        opts.Events.AddMaskingRuleForProtectedInformation<MeasureRecorded>(e => e with
        {
            Goals = e.Goals?.Select((g, i) => g with { Goal = $"{ErasedText.Marker} {i + 1}" }).ToList(),
        });
        opts.Events.AddMaskingRuleForProtectedInformation<FeedbackGiven>(e => e with { Comment = ErasedText.Optional(e.Comment) });
        opts.Events.AddMaskingRuleForProtectedInformation<OnwardProgressed>(e => e with { Reason = ErasedText.UnlessCode(e.Reason) });
    }

    public async Task<IReadOnlyList<Guid>> StreamsOfAsync(IQuerySession session, Guid referralId, CancellationToken ct) =>
        await session.Query<ServiceUserFeedback>().Where(f => f.ReferralId == referralId).Select(f => f.Id).ToListAsync(ct);

    public async Task EraseAsync(Guid referralId, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        await store.MaskAsync<ReferralOutcomes>([referralId], ct);
        await store.MaskAsync<ReferralJourney>([JourneyIds.For(referralId)], ct);
        await store.MaskAsync<ServiceUserFeedback>((await StreamsOfAsync(session, referralId, ct)).ToList(), ct);
        await IdempotencyKeys.ForgetResponsesAboutAsync(session, referralId, ct);
        await session.SaveChangesAsync(ct);
    }
}
