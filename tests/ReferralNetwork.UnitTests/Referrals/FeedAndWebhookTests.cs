using System.Text;
using ReferralNetwork.Contracts;
using ReferralNetwork.Referrals.Feed;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.Referrals.Webhooks;

namespace ReferralNetwork.UnitTests.Referrals;

public class FeedAndWebhookTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_signature_is_the_lowercase_hex_hmac_sha256_of_the_body()
    {
        // RFC 4231 test case 2.
        var signature = WebhookSignature.Compute("Jefe", Encoding.UTF8.GetBytes("what do ya want for nothing?"));
        Assert.Equal("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", signature);
    }

    [Fact]
    public void Retries_back_off_doubling_from_the_first_delay_and_stop_after_the_last_attempt()
    {
        var schedule = new WebhookOptions().Schedule;
        Assert.Equal(TimeSpan.FromSeconds(10), schedule.DelayAfter(1));
        Assert.Equal(TimeSpan.FromSeconds(20), schedule.DelayAfter(2));
        Assert.Equal(TimeSpan.FromSeconds(40), schedule.DelayAfter(3));
        Assert.Equal(TimeSpan.FromSeconds(10 * 1024), schedule.DelayAfter(11));
        Assert.False(schedule.IsExhausted(11));
        Assert.True(schedule.IsExhausted(12));
        Assert.Equal(TimeSpan.FromDays(1), new RetrySchedule(TimeSpan.FromHours(1), 50).DelayAfter(40));
    }

    [Fact]
    public void A_delivery_is_retried_then_delivered_or_failed_after_the_last_attempt()
    {
        var schedule = new RetrySchedule(TimeSpan.FromSeconds(10), 3);
        var delivery = new WebhookDelivery { Status = DeliveryStatus.Pending, DueAt = At };

        delivery.Record(new DeliveryAttempt(At, 500, "The receiver answered 500.", 12), schedule, At);
        Assert.Equal(DeliveryStatus.Pending, delivery.Status);
        Assert.Equal(At.AddSeconds(10), delivery.DueAt);

        delivery.Record(new DeliveryAttempt(At, 200, null, 5), schedule, At);
        Assert.Equal(DeliveryStatus.Delivered, delivery.Status);

        var failing = new WebhookDelivery { Status = DeliveryStatus.Pending, DueAt = At };
        for (var i = 0; i < 3; i++)
        {
            failing.Record(new DeliveryAttempt(At, null, "Could not reach the receiver.", 1), schedule, At);
        }

        Assert.Equal(DeliveryStatus.Failed, failing.Status);
        Assert.Equal(3, failing.Attempts.Count);
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData("", 0)]
    [InlineData("0", 0)]
    [InlineData("120000", 120000)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void Cursors_read_back_what_was_written(string? cursor, long position)
    {
        Assert.True(FeedCursor.TryParse(cursor, out var parsed));
        Assert.Equal(position, parsed);
        Assert.True(FeedCursor.TryParse(FeedCursor.Format(position), out var again));
        Assert.Equal(position, again);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData(" 5")]
    [InlineData("1e3")]
    [InlineData("abc")]
    [InlineData("9223372036854775808")]
    [InlineData("12345678901234567890")]
    public void Malformed_cursors_are_refused(string cursor) => Assert.False(FeedCursor.TryParse(cursor, out _));

    [Fact]
    public void Positions_grow_with_the_event_sequence_and_within_an_event()
    {
        Assert.True(FeedCursor.PositionOf(7, (int)FeedCursor.PositionsPerEvent - 1) < FeedCursor.PositionOf(8, 0));
        Assert.True(FeedCursor.PositionOf(8, 0) < FeedCursor.PositionOf(8, 1));
    }

    [Fact]
    public void The_link_worker_service_catches_up_on_earlier_events_when_it_is_assigned()
    {
        var gp = Guid.NewGuid();
        var service = Guid.NewGuid();
        var referralId = Guid.NewGuid();
        var audience = new ReferralAudience { Id = referralId };

        var requestedId = Guid.NewGuid();
        var first = audience.Record(requestedId, 5, Requested(referralId, new Actor(gp, OrganisationKind.GpPractice)));
        Assert.Equal([FeedReaders.Operator, gp], first.Select(e => e.Reader));

        var assigned = audience.Record(Guid.NewGuid(), 9, new LinkWorkerServiceAssigned(referralId, service, "North Link Workers", At));
        var caughtUp = Assert.Single(assigned);
        Assert.Equal(service, caughtUp.Reader);
        Assert.Equal(requestedId, caughtUp.Event.Id);
        Assert.Equal("referral.requested", caughtUp.Event.Type);
        Assert.Equal(FeedCursor.PositionOf(9, 0), caughtUp.Position);

        // A repeated assignment to the same service sends nothing again.
        Assert.Empty(audience.Record(Guid.NewGuid(), 10, new LinkWorkerServiceAssigned(referralId, service, "North Link Workers", At)));

        var accepted = audience.Record(Guid.NewGuid(), 11, new LinkWorkerAssigned(referralId, new Actor(service, OrganisationKind.LinkWorkerService), Guid.NewGuid(), "Sam", At));
        Assert.Equal([FeedReaders.Operator, gp, service], accepted.Select(e => e.Reader));
        Assert.All(accepted, e => Assert.Equal(FeedCursor.PositionOf(11, 0), e.Position));
        Assert.Equal("accepted", accepted[0].Event.Data.GetProperty("status").GetString());
    }

    [Fact]
    public void Providers_see_their_own_onward_referral_events_only()
    {
        var gp = Guid.NewGuid();
        var service = new Actor(Guid.NewGuid(), OrganisationKind.LinkWorkerService);
        var provider = Guid.NewGuid();
        var referralId = Guid.NewGuid();
        var audience = new ReferralAudience { Id = referralId };
        audience.Record(Guid.NewGuid(), 1, Requested(referralId, new Actor(gp, OrganisationKind.GpPractice)));
        audience.Record(Guid.NewGuid(), 2, new LinkWorkerServiceAssigned(referralId, service.OrganisationId, "North", At));

        var onward = audience.Record(Guid.NewGuid(), 3, new OnwardReferralAdded(referralId, service, Guid.NewGuid(), Guid.NewGuid(), "Walking group", provider, "Parks Trust", At));
        Assert.Equal([FeedReaders.Operator, gp, service.OrganisationId, provider], onward.Select(e => e.Reader));
        Assert.All(onward, e => Assert.Equal(FeedEntry.IdFor(e.Reader, e.Event.Id), e.Id));

        var contact = audience.Record(Guid.NewGuid(), 4, new ContactAttemptRecorded(referralId, service, "reached", At, At));
        Assert.DoesNotContain(provider, contact.Select(e => e.Reader));
    }

    [Fact]
    public void A_provider_hears_that_its_onward_referral_ended_and_nothing_after_unless_it_holds_another()
    {
        var gp = Guid.NewGuid();
        var service = new Actor(Guid.NewGuid(), OrganisationKind.LinkWorkerService);
        var provider = new Actor(Guid.NewGuid(), OrganisationKind.CommunityProvider);
        var referralId = Guid.NewGuid();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        var audience = new ReferralAudience { Id = referralId };
        audience.Record(Guid.NewGuid(), 1, Requested(referralId, new Actor(gp, OrganisationKind.GpPractice)));
        audience.Record(Guid.NewGuid(), 2, new LinkWorkerServiceAssigned(referralId, service.OrganisationId, "North", At));
        audience.Record(Guid.NewGuid(), 3, new OnwardReferralAdded(referralId, service, first, Guid.NewGuid(), "Walking group", provider.OrganisationId, "Parks Trust", At));
        audience.Record(Guid.NewGuid(), 4, new OnwardReferralAdded(referralId, service, second, Guid.NewGuid(), "Choir", provider.OrganisationId, "Parks Trust", At));

        var rejected = audience.Record(Guid.NewGuid(), 5, new OnwardReferralRejected(referralId, provider, first, "at-capacity", null, At));
        Assert.Contains(provider.OrganisationId, rejected.Select(e => e.Reader));
        Assert.Contains(provider.OrganisationId, Message(6).Select(e => e.Reader));

        var withdrawn = audience.Record(Guid.NewGuid(), 7, new OnwardReferralCancelled(referralId, service, second, provider.OrganisationId, "withdrawn", At));
        Assert.Contains(provider.OrganisationId, withdrawn.Select(e => e.Reader));
        Assert.DoesNotContain(provider.OrganisationId, Message(8).Select(e => e.Reader));
        Assert.Contains(gp, Message(9).Select(e => e.Reader));

        IReadOnlyList<FeedEntry> Message(long sequence) =>
            audience.Record(Guid.NewGuid(), sequence, new ReferralMessagePosted(referralId, Guid.NewGuid(), new Actor(gp, OrganisationKind.GpPractice), "Riverside", "Hello", At));
    }

    [Fact]
    public void A_provider_that_took_the_person_on_still_hears_messages_after_failing_the_work()
    {
        var gp = new Actor(Guid.NewGuid(), OrganisationKind.GpPractice);
        var service = new Actor(Guid.NewGuid(), OrganisationKind.LinkWorkerService);
        var provider = new Actor(Guid.NewGuid(), OrganisationKind.CommunityProvider);
        var referralId = Guid.NewGuid();
        var onward = Guid.NewGuid();
        var audience = new ReferralAudience { Id = referralId };
        audience.Record(Guid.NewGuid(), 1, Requested(referralId, gp));
        audience.Record(Guid.NewGuid(), 2, new OnwardReferralAdded(referralId, service, onward, Guid.NewGuid(), "Walking group", provider.OrganisationId, "Parks Trust", At));
        audience.Record(Guid.NewGuid(), 3, new OnwardReferralAccepted(referralId, provider, onward, At));
        audience.Record(Guid.NewGuid(), 4, new OnwardReferralFailed(referralId, provider, onward, "stopped coming", At));

        var message = audience.Record(Guid.NewGuid(), 5, new ReferralMessagePosted(referralId, Guid.NewGuid(), gp, "Riverside", "How did it go?", At));
        Assert.Contains(provider.OrganisationId, message.Select(e => e.Reader));
    }

    [Fact]
    public void A_self_referral_has_no_referring_organisation_in_its_audience()
    {
        var referralId = Guid.NewGuid();
        var audience = new ReferralAudience { Id = referralId };
        var entries = audience.Record(Guid.NewGuid(), 1, Requested(referralId, new Actor(Guid.Empty, OrganisationKind.OtherReferrer)));
        Assert.Equal([FeedReaders.Operator], entries.Select(e => e.Reader));
        Assert.Null(audience.ReferrerId);
    }

    [Fact]
    public void Event_type_filters_match_only_the_listed_types()
    {
        var all = new WebhookSubscription(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "https://x.example", [], null, At);
        var some = all with { EventTypes = ["referral.accepted"] };
        Assert.True(all.Wants("referral.requested"));
        Assert.True(some.Wants("referral.accepted"));
        Assert.False(some.Wants("referral.requested"));
        Assert.Contains("onward-referral.cancelled", PartnerEventTypes.All);
        Assert.Equal(21, PartnerEventTypes.All.Count);
    }

    private static ReferralRequested Requested(Guid referralId, Actor by) => new(
        referralId, Pathway.Gp, "liverpool-north", by, "Riverside Surgery", ["loneliness"], Urgency.Routine, null,
        new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), null, null, null, null, null, null, null),
        new Consent(true, At, ShareWithReferrer.Full), At);
}
