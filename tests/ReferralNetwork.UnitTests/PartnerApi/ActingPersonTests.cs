using System.Security.Claims;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.UnitTests.PartnerApi;

public class ActingPersonTests
{
    private static readonly Guid Organisation = Guid.NewGuid();

    private static ClaimsPrincipal Token(string? person) => new(new ClaimsIdentity(
        new[]
        {
            new Claim(NetworkTokens.OrganisationClaim, Organisation.ToString()),
            new Claim(NetworkTokens.KindClaim, "community-provider"),
        }.Concat(person is null ? [] : [new Claim(NetworkTokens.PersonClaim, person)]),
        "Bearer"));

    [Fact]
    public void A_persons_token_names_them_and_a_systems_names_nobody()
    {
        var person = Guid.NewGuid();
        Assert.Equal(new ActingPerson(Organisation, person), Caller.From(Token(person.ToString())).Person);
        Assert.Null(Caller.From(Token(null)).Person);
        Assert.Equal(OrganisationKind.CommunityProvider, Caller.From(Token(person.ToString())).Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sam")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    public void A_person_that_is_not_an_id_is_refused(string person) =>
        Assert.Throws<UnauthorizedAccessException>(() => Caller.From(Token(person)));

    [Fact]
    public void What_is_recorded_reads_back_and_a_timeline_shows_the_person_only_for_their_own_organisation()
    {
        var acting = new ActingPerson(Organisation, Guid.NewGuid());
        Assert.True(ActingPerson.TryParse(acting.ToString(), out var read));
        Assert.Equal(acting, read);

        Assert.Equal(acting.PersonId, ActingPerson.Of(acting.ToString(), Organisation));
        Assert.Null(ActingPerson.Of(acting.ToString(), Guid.NewGuid()));
        Assert.Null(ActingPerson.Of(null, Organisation));
        Assert.Null(ActingPerson.Of("system", Organisation));
        Assert.Null(ActingPerson.Of($"{Organisation:N}/", Organisation));
        Assert.Null(ActingPerson.Of($"{Organisation:N}/{acting.PersonId:N}/extra", Organisation));
    }
}
