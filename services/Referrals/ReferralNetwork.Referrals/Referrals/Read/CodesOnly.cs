using ReferralNetwork.Contracts;

namespace ReferralNetwork.Referrals.Referrals.Read;

/// <summary>
/// What a referrer sees when the person's consent is codes-only (partner-api.md §3, §7): statuses,
/// vocabulary reasons, scores and codes, but no free text about the person written by someone else —
/// no notes, provider summaries, goal texts, free-text failure reasons, nor the outcome the message back
/// withholds. The timeline, the view, the event feed and webhooks all reduce through here. Pure.
/// Messages are left whole: a message is something a party chose to say to every party.
/// </summary>
public static class CodesOnly
{
    /// <summary>Instruments whose score keys are fixed names ("metric", "total", the ONS4 items); any other's keys are goals.</summary>
    private static readonly HashSet<string> FixedKeyInstruments = new(["swemwbs", "wemwbs", "ons4"], StringComparer.Ordinal);

    /// <summary>The one failure reason that is the network's code rather than the provider's words.</summary>
    public const string NoResponse = "no-response";

    /// <summary>
    /// The partner event as a codes-only referrer receives it, or null when it is not for such a referrer.
    /// <paramref name="earlierGoals"/> are the goal names of the referral's earlier goal measures, in the
    /// order they were recorded, so a goal keeps its label (see <see cref="GoalLabels"/>).
    /// An event type not listed here is withheld: a new one must be judged before it reaches the referrer.
    /// </summary>
    public static PartnerEvent? Describe(object data, IEnumerable<IEnumerable<string>> earlierGoals)
    {
        if (PartnerEvents.Describe(data) is not { } partner)
        {
            return null;
        }

        return data switch
        {
            // Nothing in these but statuses, names of organisations and services, vocabulary and the referrer's own words.
            ReferralRequested or LinkWorkerAssigned or ContactAttemptRecorded or OnwardReferralAdded or OnwardReferralReceived
                or ReferralResumed or ReferralCancelled or ReferralMessagePosted or OnwardReferralAccepted or OnwardAttendanceRecorded
                or OnwardReferralReminded or OnwardReferralEscalated or OnwardReferralCancelled => partner,
            ReferralRejected r => partner with { Data = new { status = ReferralStatus.Rejected, reason = r.Reason } },
            ReferralPutOnHold => partner with { Data = new { status = ReferralStatus.OnHold } },
            // The message back was reduced when it was composed; reduced again here in case consent was unknown to the reader.
            ReferralClosed r => partner with { Summary = $"Closed: {r.Status.ToWire()}.", Data = new { status = r.Status, messageBack = CodesOf(r.MessageBack) } },
            MeasureRecorded r => partner with
            {
                Data = new { outcomeId = r.OutcomeId, instrument = r.Instrument, timepoint = r.Timepoint, scores = Scores(r.Instrument, r.Scores, earlierGoals) },
            },
            OnwardReferralRejected r => partner with
            {
                Data = new { onwardReferralId = r.OnwardReferralId, status = OnwardReferralStatus.Rejected, reason = r.Reason },
            },
            OnwardReferralCompleted r => partner with { Data = new { onwardReferralId = r.OnwardReferralId, status = OnwardReferralStatus.Completed } },
            OnwardReferralFailed r => r.Reason == NoResponse
                ? partner
                : partner with
                {
                    Summary = "The onward referral failed.",
                    Data = new { onwardReferralId = r.OnwardReferralId, status = OnwardReferralStatus.Failed },
                },
            _ => null,
        };
    }

    /// <summary>The message back with only its codes.</summary>
    public static MessageBack CodesOf(MessageBack back) => new(null, null, null, null, null, back.Codes);

    /// <summary>A measure's scores with goal names replaced by their labels; fixed-name scores as they are.</summary>
    public static IReadOnlyDictionary<string, decimal> Scores(
        string instrument, IReadOnlyDictionary<string, decimal> scores, IEnumerable<IEnumerable<string>> earlierGoals)
    {
        if (FixedKeyInstruments.Contains(instrument))
        {
            return scores;
        }

        var labels = GoalLabels.Assign(earlierGoals.Append(scores.Keys));
        var labelled = new Dictionary<string, decimal>();
        foreach (var (goal, score) in scores)
        {
            labelled[labels[goal.Trim()]] = score;
        }

        return labelled;
    }

    /// <summary>Whether a measure's score keys are goal names rather than fixed names.</summary>
    public static bool HasGoalKeys(string instrument) => !FixedKeyInstruments.Contains(instrument);

    /// <summary>
    /// An onward referral's status reason as a codes-only referrer may see it: rejection reasons are
    /// vocabulary and cancellation reasons the network's own, but a failure's reason is the provider's
    /// free text unless the deadline expired it (no-response).
    /// </summary>
    public static string? OnwardReason(OnwardReferralStatus status, string? reason) =>
        status != OnwardReferralStatus.Failed || reason == NoResponse ? reason : null;

    /// <summary>The referral's status reason as a codes-only referrer may see it: a close's outcome is the message back's to withhold.</summary>
    public static string? StatusReason(ReferralStatus status, string? reason) =>
        status is ReferralStatus.Completed or ReferralStatus.Failed ? null : reason;
}

/// <summary>
/// Labels for goals, "goal-1", "goal-2", …, so that a referrer without full consent sees a goal's
/// scores but not its text. A goal keeps its label across measures (names compared ignoring case, as
/// the feedback service pairs them), numbered in order of first appearance and alphabetically within
/// one measure, so that the order of a dictionary never decides. The feedback service numbers
/// GET /api/outcomes by the same rule. Pure.
/// </summary>
public static class GoalLabels
{
    public static string Label(int number) => $"goal-{number}";

    /// <summary>Each goal name of the measures, in recording order, with its label.</summary>
    public static IReadOnlyDictionary<string, string> Assign(IEnumerable<IEnumerable<string>> goalsByMeasure)
    {
        var labels = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var goal in goalsByMeasure.SelectMany(goals => goals.Select(g => g.Trim()).Order(StringComparer.OrdinalIgnoreCase)))
        {
            labels.TryAdd(goal, Label(labels.Count + 1));
        }

        return labels;
    }
}
