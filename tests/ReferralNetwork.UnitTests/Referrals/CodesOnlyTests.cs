using System.Text.Json;
using JasperFx.Events;
using ReferralNetwork.Contracts;
using ReferralNetwork.Referrals.Feed;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.Referrals.Referrals.Read;
using ReferralNetwork.UnitTests.EventSourcing;
using Published = ReferralNetwork.Contracts.Referrals;

namespace ReferralNetwork.UnitTests.Referrals;

/// <summary>Consent codes-only on every channel of the referral service (issue 12 item 4): what the referrer's copy keeps and loses.</summary>
public class CodesOnlyTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Actor ByGp = new(Guid.NewGuid(), OrganisationKind.GpPractice);
    private static readonly Actor ByLinkWorkerService = new(Guid.NewGuid(), OrganisationKind.LinkWorkerService);
    private static readonly Actor ByProvider = new(Guid.NewGuid(), OrganisationKind.CommunityProvider);
    private static readonly Guid ReferralId = Guid.NewGuid();
    private static readonly Guid OnwardId = Guid.NewGuid();
    private static readonly JsonSerializerOptions JsonOptions = FeedJson.Options;

    private const string FreeText = "Ada has been very low since her husband died";

    private static ReferralRequested Requested(ShareWithReferrer share) => new(
        ReferralId, Pathway.Gp, "liverpool-north", ByGp, "Riverside Surgery", ["loneliness"], Urgency.Routine, "Referrer's own reason",
        new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), null, null, null, null, null, null, null),
        new Consent(true, At, share), At);

    private static MeasureRecorded Goals(string timepoint, params (string Goal, decimal Score)[] goals) => new(
        ReferralId, ByLinkWorkerService, Guid.NewGuid(), "goals", timepoint, goals.ToDictionary(g => g.Goal, g => g.Score), At);

    private static MessageBack FullBack() => new(
        ["loneliness"], [new SupportOffered("Walking group", new Party(ByProvider.OrganisationId, "Green Steps"), OnwardReferralStatus.Completed, null)],
        "goals-met", FreeText, [], [ClinicalCode.ReferralToSocialPrescribing]);

    private static string Json(PartnerEvent partner) => JsonSerializer.Serialize(partner.Data, partner.Data.GetType(), JsonOptions) + partner.Summary;

    /// <summary>Every partner event, several of them carrying free text about the person written by the link worker or a provider.</summary>
    public static TheoryData<object> EveryPartnerEvent() =>
    [
        Requested(ShareWithReferrer.CodesOnly),
        new LinkWorkerAssigned(ReferralId, ByLinkWorkerService, Guid.NewGuid(), "Sam", At),
        new ContactAttemptRecorded(ReferralId, ByLinkWorkerService, "reached", At, At),
        new OnwardReferralAdded(ReferralId, ByLinkWorkerService, OnwardId, Guid.NewGuid(), "Walking group", ByProvider.OrganisationId, "Green Steps", At),
        new OnwardReferralReceived(ReferralId, ByProvider, OnwardId, At),
        new ReferralRejected(ReferralId, ByLinkWorkerService, "not-eligible", FreeText, At),
        new ReferralPutOnHold(ReferralId, ByLinkWorkerService, FreeText, At),
        new ReferralResumed(ReferralId, ByLinkWorkerService, ReferralStatus.InProgress, At),
        new ReferralClosed(ReferralId, ByLinkWorkerService, ReferralStatus.Completed, "goals-met", FreeText, FullBack(), At),
        new ReferralClosed(ReferralId, ByLinkWorkerService, ReferralStatus.Failed, "disengaged", FreeText, FullBack(), At),
        new ReferralCancelled(ReferralId, ByGp, CancellationReason.Revoked, null, At),
        new ReferralMessagePosted(ReferralId, Guid.NewGuid(), ByGp, "Riverside Surgery", "Hello", At),
        Goals("baseline", (FreeText, 3)),
        new OnwardReferralAccepted(ReferralId, ByProvider, OnwardId, At),
        new OnwardReferralRejected(ReferralId, ByProvider, OnwardId, "at-capacity", FreeText, At),
        new OnwardAttendanceRecorded(ReferralId, ByProvider, OnwardId, new DateOnly(2026, 12, 1), true, At),
        new OnwardReferralCompleted(ReferralId, ByProvider, OnwardId, FreeText, At),
        new OnwardReferralFailed(ReferralId, ByProvider, OnwardId, FreeText, At),
        new OnwardReferralReminded(ReferralId, ByProvider, OnwardId, At),
        new OnwardReferralEscalated(ReferralId, ByProvider, OnwardId, At),
        new OnwardReferralCancelled(ReferralId, ByLinkWorkerService, OnwardId, ByProvider.OrganisationId, "withdrawn", At),
    ];

    [Theory]
    [MemberData(nameof(EveryPartnerEvent))]
    public void Every_partner_event_reaches_a_codes_only_referrer_of_the_same_type_without_free_text(object data)
    {
        var whole = PartnerEvents.Describe(data)!;
        var reduced = CodesOnly.Describe(data, []);

        // A type left out of CodesOnly would silently vanish from the referrer's feed: every one is judged there.
        Assert.NotNull(reduced);
        Assert.Equal((whole.Type, whole.At, whole.By, whole.Audience, whole.Provider), (reduced.Type, reduced.At, reduced.By, reduced.Audience, reduced.Provider));
        Assert.DoesNotContain(FreeText, Json(reduced), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void What_is_not_free_text_stays()
    {
        Assert.Contains("not-eligible", Json(CodesOnly.Describe(new ReferralRejected(ReferralId, ByLinkWorkerService, "not-eligible", "n", At), [])!));
        Assert.Contains("at-capacity", Json(CodesOnly.Describe(new OnwardReferralRejected(ReferralId, ByProvider, OnwardId, "at-capacity", "n", At), [])!));
        // The deadline's reason is the network's code, not the provider's words.
        var expired = CodesOnly.Describe(new OnwardReferralFailed(ReferralId, ByProvider, OnwardId, "no-response", At), [])!;
        Assert.Contains("no-response", expired.Summary);
        Assert.Contains("no-response", Json(expired));
        // Messages are what a party chose to say to every party.
        Assert.Contains("Hello", Json(CodesOnly.Describe(new ReferralMessagePosted(ReferralId, Guid.NewGuid(), ByLinkWorkerService, "North", "Hello", At), [])!));
        var closed = Json(CodesOnly.Describe(new ReferralClosed(ReferralId, ByLinkWorkerService, ReferralStatus.Completed, "goals-met", "s", FullBack(), At), [])!);
        Assert.Contains("871731000000106", closed);
        Assert.DoesNotContain("goals-met", closed);
        Assert.DoesNotContain("Walking group", closed);
        var measure = CodesOnly.Describe(new MeasureRecorded(ReferralId, ByLinkWorkerService, Guid.NewGuid(), "ons4", "baseline",
            new Dictionary<string, decimal> { ["lifeSatisfaction"] = 4, ["anxiety"] = 6 }, At), [])!;
        Assert.Contains("\"lifeSatisfaction\":4", Json(measure));
    }

    [Fact]
    public void Goals_keep_their_label_across_measures_whatever_the_order_or_case()
    {
        var baseline = CodesOnly.Scores("goals", new Dictionary<string, decimal> { ["Walk to the shops"] = 2, ["Call my sister"] = 5 }, []);
        Assert.Equal(new Dictionary<string, decimal> { ["goal-1"] = 5, ["goal-2"] = 2 }, baseline);

        // A later measure lists them the other way round, with other case, and adds a goal.
        var followUp = CodesOnly.Scores("goals",
            new Dictionary<string, decimal> { ["join a choir"] = 1, ["walk to the shops "] = 6, ["CALL MY SISTER"] = 8 },
            [["Walk to the shops", "Call my sister"]]);
        Assert.Equal(new Dictionary<string, decimal> { ["goal-1"] = 8, ["goal-2"] = 6, ["goal-3"] = 1 }, followUp);

        Assert.Equal("goal-1", GoalLabels.Assign([["b", "A"], ["a", "c"]])["a"]);
        Assert.Equal("goal-3", GoalLabels.Assign([["b", "A"], ["a", "c"]])["c"]);
    }

    [Fact]
    public void The_referrer_s_feed_copy_is_reduced_only_when_consent_is_not_full()
    {
        foreach (var share in new[] { ShareWithReferrer.CodesOnly, ShareWithReferrer.Full })
        {
            var audience = new ReferralAudience { Id = ReferralId };
            audience.Record(Guid.NewGuid(), 1, Requested(share));
            audience.Record(Guid.NewGuid(), 2, new LinkWorkerServiceAssigned(ReferralId, ByLinkWorkerService.OrganisationId, "North", At));
            audience.Record(Guid.NewGuid(), 3, new OnwardReferralAdded(
                ReferralId, ByLinkWorkerService, OnwardId, Guid.NewGuid(), "Walking group", ByProvider.OrganisationId, "Green Steps", At));

            var completed = audience.Record(Guid.NewGuid(), 4, new OnwardReferralCompleted(ReferralId, ByProvider, OnwardId, FreeText, At));
            string Data(Guid reader) => completed.Single(e => e.Reader == reader).Event.Data.GetRawText();

            Assert.Equal(share == ShareWithReferrer.Full, Data(ByGp.OrganisationId).Contains(FreeText, StringComparison.Ordinal));
            Assert.Contains(FreeText, Data(ByLinkWorkerService.OrganisationId));
            Assert.Contains(FreeText, Data(ByProvider.OrganisationId));
            Assert.Contains(FreeText, Data(FeedReaders.Operator));
            // One event id and position per reader, whichever copy it gets.
            Assert.Single(completed, e => e.Reader == ByGp.OrganisationId);
        }
    }

    [Fact]
    public void The_referrer_s_feed_labels_goals_consistently_and_a_late_link_worker_service_catches_up_on_the_whole_events()
    {
        var audience = new ReferralAudience { Id = ReferralId };
        audience.Record(Guid.NewGuid(), 1, Requested(ShareWithReferrer.CodesOnly));
        var onHold = audience.Record(Guid.NewGuid(), 2, new ReferralPutOnHold(ReferralId, ByLinkWorkerService, FreeText, At));
        Assert.DoesNotContain(FreeText, onHold.Single(e => e.Reader == ByGp.OrganisationId).Event.Data.GetRawText());

        var baseline = audience.Record(Guid.NewGuid(), 3, Goals("baseline", ("Walk to the shops", 2), ("Call my sister", 5)));
        var followUp = audience.Record(Guid.NewGuid(), 4, Goals("follow-up", ("Call my sister", 8), ("Walk to the shops", 6)));
        JsonElement Scores(IReadOnlyList<FeedEntry> entries) => entries.Single(e => e.Reader == ByGp.OrganisationId).Event.Data.GetProperty("scores");
        Assert.Equal(5, Scores(baseline).GetProperty("goal-1").GetDecimal());
        Assert.Equal(8, Scores(followUp).GetProperty("goal-1").GetDecimal());
        Assert.Equal(6, Scores(followUp).GetProperty("goal-2").GetDecimal());
        Assert.DoesNotContain("sister", Scores(followUp).GetRawText(), StringComparison.OrdinalIgnoreCase);

        // The link-worker service joins afterwards and catches up on everything as it was.
        var caughtUp = audience.Record(Guid.NewGuid(), 5, new LinkWorkerServiceAssigned(ReferralId, ByLinkWorkerService.OrganisationId, "North", At));
        Assert.Equal(["referral.requested", "referral.on-hold", "outcome.recorded", "outcome.recorded"], caughtUp.Select(e => e.Event.Type));
        Assert.All(caughtUp, e => Assert.Equal(ByLinkWorkerService.OrganisationId, e.Reader));
        Assert.Contains(FreeText, caughtUp[1].Event.Data.GetRawText());
        Assert.Contains("Call my sister", caughtUp[3].Event.Data.GetRawText());
    }

    [Fact]
    public void An_audience_that_never_learned_the_consent_gives_its_referrer_codes_only()
    {
        // As an audience stored before consent was followed, once its referrer is known.
        var audience = new ReferralAudience { Id = ReferralId, ReferrerId = ByGp.OrganisationId };
        var completed = audience.Record(Guid.NewGuid(), 1, new OnwardReferralCompleted(ReferralId, ByProvider, OnwardId, FreeText, At));
        Assert.DoesNotContain(FreeText, completed.Single(e => e.Reader == ByGp.OrganisationId).Event.Data.GetRawText());
    }

    [Fact]
    public void The_view_and_timeline_of_a_codes_only_referrer_lose_the_close_outcome_and_a_provider_s_failure_reason()
    {
        var events = new object[]
        {
            Requested(ShareWithReferrer.CodesOnly),
            new LinkWorkerServiceAssigned(ReferralId, ByLinkWorkerService.OrganisationId, "North", At),
            new ContactAttemptRecorded(ReferralId, ByLinkWorkerService, "reached", At, At),
            new OnwardReferralAdded(ReferralId, ByLinkWorkerService, OnwardId, Guid.NewGuid(), "Walking group", ByProvider.OrganisationId, "Green Steps", At),
            new OnwardReferralAccepted(ReferralId, ByProvider, OnwardId, At),
            new OnwardReferralFailed(ReferralId, ByProvider, OnwardId, FreeText, At),
            new ReferralPutOnHold(ReferralId, ByLinkWorkerService, FreeText, At),
            new ReferralResumed(ReferralId, ByLinkWorkerService, ReferralStatus.InProgress, At),
            new ReferralClosed(ReferralId, ByLinkWorkerService, ReferralStatus.Completed, "goals-met", FreeText, FullBack(), At),
        };
        var referral = Evolution.Start<Referral>(events[0], events.Skip(1));

        Assert.True(referral.ShowsOnlyCodesTo(ByGp.OrganisationId));
        Assert.False(referral.ShowsOnlyCodesTo(ByLinkWorkerService.OrganisationId));
        Assert.False((referral with { Consent = referral.Consent with { ShareWithReferrer = ShareWithReferrer.Full } }).ShowsOnlyCodesTo(ByGp.OrganisationId));

        var view = ReferralView.CodesOnlyFrom(referral);
        Assert.Null(view.StatusReason);
        Assert.Equal(OnwardReferralStatus.Failed, Assert.Single(view.OnwardReferrals).Status);
        Assert.Null(view.OnwardReferrals[0].StatusReason);
        Assert.Equal("Referrer's own reason", view.Reason);
        Assert.Equal(FreeText, Assert.Single(ReferralView.From(referral).OnwardReferrals).StatusReason);

        var stored = events.Select(e => (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(e.GetType()), e)!).ToList();
        var timeline = Timeline.From(stored, codesOnly: true);
        Assert.Equal(Timeline.From(stored).Select(t => t.Type), timeline.Select(t => t.Type));
        Assert.DoesNotContain(timeline, t => t.Summary.Contains(FreeText, StringComparison.Ordinal) || t.Summary.Contains("goals-met", StringComparison.Ordinal));
        Assert.Contains(Timeline.From(stored), t => t.Summary.Contains(FreeText, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(OnwardReferralStatus.Rejected, "at-capacity", "at-capacity")]
    [InlineData(OnwardReferralStatus.Cancelled, "withdrawn", "withdrawn")]
    [InlineData(OnwardReferralStatus.Failed, "no-response", "no-response")]
    [InlineData(OnwardReferralStatus.Failed, "she moved away", null)]
    public void Only_a_provider_s_free_text_failure_reason_is_withheld(OnwardReferralStatus status, string reason, string? shown) =>
        Assert.Equal(shown, CodesOnly.OnwardReason(status, reason));

    [Theory]
    [InlineData(ShareWithReferrer.Full, "full")]
    [InlineData(ShareWithReferrer.CodesOnly, "codes-only")]
    public void The_referral_request_tells_the_network_the_consent(ShareWithReferrer share, string wire)
    {
        var published = Assert.IsType<Published.ReferralRequested>(new ReferralEvents().ToIntegrationEvent(new Event<ReferralRequested>(Requested(share))));
        Assert.Equal(wire, published.ShareWithReferrer);
        Assert.Equal(share == ShareWithReferrer.Full, Published.ReferrerSharing.AllowsFull(published.ShareWithReferrer));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("codes-only")]
    [InlineData("FULL")]
    [InlineData("everything")]
    public void Anything_but_full_reads_as_codes_only(string? value) => Assert.False(Published.ReferrerSharing.AllowsFull(value));
}
