using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging.Erasure;
using ReferralNetwork.Referrals.Erasures;

namespace ReferralNetwork.UnitTests.EventSourcing;

public class PersonErasureTests
{
    [Theory]
    [InlineData("no-response", "no-response")]
    [InlineData("at-capacity", "at-capacity")]
    [InlineData("She moved to Leeds with her son", ErasedText.Marker)]
    [InlineData("Ada", ErasedText.Marker)]
    [InlineData(null, null)]
    public void A_reason_stays_only_when_it_is_a_code(string? reason, string? kept) => Assert.Equal(kept, ErasedText.UnlessCode(reason));

    [Fact]
    public void The_referral_a_message_is_about_is_read_from_its_ReferralId()
    {
        var referral = Guid.NewGuid();
        Assert.Equal(referral, PersonErasures.ReferralIdOf(new Contracts.LinkWorkers.ReferralRouted(referral, Guid.NewGuid(), "North", DateTimeOffset.UtcNow)));
        Assert.Null(PersonErasures.ReferralIdOf(new Contracts.Erasure.PersonErasureRequested(Guid.NewGuid(), [referral], DateTimeOffset.UtcNow)));
    }

    [Fact]
    public void An_erasure_completes_when_every_service_has_done_its_part_once()
    {
        var at = DateTimeOffset.Parse("2026-12-04T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var erasure = Erasure.Create(new ErasureRequested(Guid.NewGuid(), [Guid.NewGuid()], new Actor(Guid.NewGuid(), OrganisationKind.Operator), at));
        erasure = erasure.Apply(new ErasureReported(erasure.Id, "referrals", at.AddSeconds(1)));
        erasure = erasure.Apply(new ErasureReported(erasure.Id, "linkworkers", at.AddSeconds(2)));
        erasure = erasure.Apply(new ErasureReported(erasure.Id, "feedback", at.AddSeconds(3)));
        var view = ErasureView.From(erasure);
        Assert.Equal("requested", view.Status);
        Assert.Equal("pending", view.Services["communityproviders"]);
        Assert.Null(view.CompletedAt);

        erasure = erasure.Apply(new ErasureReported(erasure.Id, "communityproviders", at.AddSeconds(4)));
        erasure = erasure.Apply(new ErasureReported(erasure.Id, "feedback", at.AddSeconds(9)));
        view = ErasureView.From(erasure);
        Assert.Equal("completed", view.Status);
        Assert.All(view.Services.Values, s => Assert.Equal("completed", s));
        Assert.Equal(at.AddSeconds(4), view.CompletedAt);
    }
}
