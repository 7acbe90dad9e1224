using ReferralNetwork.Gateway.People;

namespace ReferralNetwork.UnitTests.Gateway;

/// <summary>The single-use invitation code and the people's request rules.</summary>
public class InvitationTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    private static PersonAccount Invited(string code) => new()
    {
        InvitationCodeHash = Invitation.Hash(code),
        InvitationExpiresAt = Now + Invitation.Lifetime,
    };

    [Fact]
    public void A_code_is_random_url_safe_and_stored_only_as_its_hash()
    {
        var code = Invitation.NewCode();
        Assert.NotEqual(code, Invitation.NewCode());
        Assert.Equal(43, code.Length);
        Assert.All(code, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
        Assert.Equal(64, Invitation.Hash(code).Length);
        Assert.DoesNotContain(code, Invitation.Hash(code));
    }

    [Fact]
    public void The_code_opens_its_invitation_until_it_expires_and_nothing_else_does()
    {
        var code = Invitation.NewCode();
        var account = Invited(code);
        Assert.True(Invitation.Opens(account, code, Now));
        Assert.True(Invitation.Opens(account, $" {code} ", Now.AddDays(6)));
        Assert.False(Invitation.Opens(account, Invitation.NewCode(), Now));
        Assert.False(Invitation.Opens(account, code, Now + Invitation.Lifetime));
    }

    [Fact]
    public void An_accepted_or_ended_invitation_opens_nothing()
    {
        var code = Invitation.NewCode();
        var accepted = Invited(code);
        accepted.InvitationCodeHash = null;
        Assert.False(Invitation.Opens(accepted, code, Now));

        var ended = Invited(code);
        ended.AccessEndedAt = Now;
        Assert.False(Invitation.Opens(ended, code, Now));
    }

    [Theory]
    [InlineData("sam@example.org", true)]
    [InlineData("  sam.o'neill+team@example.co.uk ", true)]
    [InlineData("sam@localhost", false)]
    [InlineData("Sam <sam@example.org>", false)]
    [InlineData("sam", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_a_bare_address_with_a_domain_is_an_email(string? email, bool valid) =>
        Assert.Equal(valid, PeopleRules.IsEmail(email));
}
