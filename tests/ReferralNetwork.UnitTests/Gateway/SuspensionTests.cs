using ReferralNetwork.Contracts;
using ReferralNetwork.Gateway.Organisations;
using ReferralNetwork.UnitTests.EventSourcing;

namespace ReferralNetwork.UnitTests.Gateway;

/// <summary>partner-api.md §10 on the Organisation aggregate: what ends tokens (a new credential generation) and what does not.</summary>
public class SuspensionTests
{
    private static readonly Guid Id = Guid.CreateVersion7();
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static Organisation Registered() =>
        Evolution.Start<Organisation>(new OrganisationRegistered(Id, "Green Steps", OrganisationKind.CommunityProvider, "liverpool-north", null, "green-steps-abc234", Now));

    [Fact]
    public void Rotation_and_suspension_each_start_a_new_generation_and_reinstatement_does_not()
    {
        var organisation = Registered();
        Assert.Equal(0, organisation.CredentialGeneration);

        var rotated = organisation.Then(new ClientSecretRotated(Id, Now.AddMinutes(1)));
        Assert.Equal(1, rotated.CredentialGeneration);

        var suspended = rotated.Then(rotated.Suspend(Now.AddMinutes(2)));
        Assert.True(suspended.Suspended);
        Assert.Equal(2, suspended.CredentialGeneration);

        var reinstated = suspended.Then(suspended.Reinstate(Now.AddMinutes(3)));
        Assert.False(reinstated.Suspended);
        Assert.Equal(2, reinstated.CredentialGeneration);
    }

    [Fact]
    public void Suspending_twice_or_reinstating_an_active_organisation_changes_nothing()
    {
        var organisation = Registered();
        Assert.Empty(organisation.Reinstate(Now));
        var suspended = organisation.Then(organisation.Suspend(Now));
        Assert.Empty(suspended.Suspend(Now.AddMinutes(1)));
    }
}
