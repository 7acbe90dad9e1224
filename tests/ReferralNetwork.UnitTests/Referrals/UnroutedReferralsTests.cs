using ReferralNetwork.Contracts;
using ReferralNetwork.Messaging.Reconciliation;
using ReferralNetwork.Referrals.Reconciliation;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.UnitTests.EventSourcing;

namespace ReferralNetwork.UnitTests.Referrals;

/// <summary>Which referrals count as not having reached a link-worker service, and from when.</summary>
public class UnroutedReferralsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private const string Served = "liverpool-north";
    private static readonly Actor ByGp = new(Guid.NewGuid(), OrganisationKind.GpPractice);
    private static readonly Dictionary<string, DateTimeOffset> ServedSinceLongAgo = new() { [Served] = T0.AddDays(-30) };

    private static Referral Submitted(DateTimeOffset at, string area = Served) => Evolution.Start<Referral>(new ReferralRequested(
        Guid.NewGuid(), Pathway.Gp, area, ByGp, "Riverside Surgery", ["loneliness"], Urgency.Routine, null,
        new PersonDetails("Ada", "Lovelace", new DateOnly(1950, 12, 10), null, null, null, null, null, null, null),
        new Consent(true, at, ShareWithReferrer.Full), at));

    private static IReadOnlyList<Unreached> Overdue(IEnumerable<Referral> referrals, DateTimeOffset dueBy, IReadOnlyDictionary<string, DateTimeOffset>? served = null,
        params Guid[] erased) =>
        UnroutedReferrals.Overdue(referrals, served ?? ServedSinceLongAgo, erased.ToHashSet(), dueBy);

    [Fact]
    public void A_referral_not_routed_by_the_due_time_counts_from_its_submission_and_a_later_one_not_yet()
    {
        var old = Submitted(T0.AddMinutes(-20));
        var recent = Submitted(T0.AddMinutes(-2));

        Assert.Equal([new Unreached(old.Id, old.CreatedAt)], Overdue([recent, old], T0.AddMinutes(-5)));
    }

    [Fact]
    public void A_referral_routed_to_its_link_worker_service_has_arrived()
    {
        var submitted = Submitted(T0.AddHours(-1));
        var routed = submitted.Then(new LinkWorkerServiceAssigned(submitted.Id, Guid.NewGuid(), "LN Link Workers", T0.AddHours(-1)));

        Assert.Empty(Overdue([routed], T0));
    }

    [Fact]
    public void A_referral_for_an_area_no_link_worker_service_serves_is_waiting_not_lost()
    {
        Assert.Empty(Overdue([Submitted(T0.AddDays(-3), area: "nowhere-yet")], T0));
    }

    [Fact]
    public void A_referral_that_waited_for_its_area_counts_from_when_the_area_was_served()
    {
        var waited = Submitted(T0.AddDays(-3), area: "new-area");
        var servedAt = T0.AddMinutes(-3);
        var served = new Dictionary<string, DateTimeOffset> { ["new-area"] = servedAt };

        Assert.Empty(Overdue([waited], T0.AddMinutes(-5), served));
        Assert.Equal([new Unreached(waited.Id, servedAt)], Overdue([waited], T0, served));
    }

    [Theory]
    [InlineData(CancellationReason.Revoked)]
    [InlineData(CancellationReason.EnteredInError)]
    public void A_referral_cancelled_before_it_was_routed_needs_no_link_worker_service(CancellationReason reason)
    {
        var submitted = Submitted(T0.AddHours(-1));
        var cancelled = submitted.Then(new ReferralCancelled(submitted.Id, ByGp, reason, null, T0.AddMinutes(-59)));

        Assert.Empty(Overdue([cancelled], T0));
    }

    [Fact]
    public void An_erased_referral_is_left_out_since_nothing_can_be_done_with_it()
    {
        var erased = Submitted(T0.AddHours(-1));
        var lost = Submitted(T0.AddHours(-1));

        Assert.Equal([lost.Id], Overdue([erased, lost], T0, erased: erased.Id).Select(u => u.Id));
    }

    [Fact]
    public void The_oldest_comes_first()
    {
        var (a, b, c) = (Submitted(T0.AddMinutes(-30)), Submitted(T0.AddMinutes(-90)), Submitted(T0.AddMinutes(-60)));

        Assert.Equal([b.Id, c.Id, a.Id], Overdue([a, b, c], T0).Select(u => u.Id));
    }
}
