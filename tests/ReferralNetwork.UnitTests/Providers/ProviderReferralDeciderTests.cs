using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.Contracts;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.UnitTests.EventSourcing;

namespace ReferralNetwork.UnitTests.Providers;

public class ProviderReferralDeciderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static ProviderReferral Arrived() => Evolution.Start<ProviderReferral>(new OnwardReferralArrived(
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "Walking group", Guid.NewGuid(), ["physical-activity"], null,
        new OnwardReferralPerson("Ada", "Lovelace", null, null, null, null, null), At));

    [Fact]
    public void Acknowledging_a_requested_onward_referral_makes_it_received()
    {
        var arrived = Arrived();
        var received = arrived.Then(ProviderReferralDecider.Decide(arrived, new AcknowledgeOnwardReferral(At.AddHours(2))));
        Assert.Equal(OnwardReferralStatus.Received, received.Status);
        Assert.Equal(At.AddHours(2), received.AcknowledgedAt);
        Assert.Equal(2, received.Version);
    }

    [Fact]
    public void Acknowledging_twice_is_a_conflict()
    {
        var arrived = Arrived();
        var received = arrived.Then(ProviderReferralDecider.Decide(arrived, new AcknowledgeOnwardReferral(At)));
        Assert.Throws<RuleViolation>(() => ProviderReferralDecider.Decide(received, new AcknowledgeOnwardReferral(At)));
    }

    [Fact]
    public void The_version_is_left_to_the_stream()
    {
        // Marten sets Version from the stream; an Apply that counted too would drift from the ETag.
        var arrived = ProviderReferral.Create(new OnwardReferralArrived(
            Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "Walking group", Guid.NewGuid(), [], null,
            new OnwardReferralPerson("Ada", "Lovelace", null, null, null, null, null), At));
        Assert.Equal(0, arrived.Version);
        Assert.Equal(0, arrived.Apply(new OnwardReferralAcknowledged(arrived.Id, arrived.ReferralId, arrived.ProviderId, At)).Version);
    }
}
