using Microsoft.AspNetCore.Identity;

namespace ReferralNetwork.Gateway.People;

/// <summary>
/// A person who acts for one organisation, kept by ASP.NET Core Identity (password hash, lockout,
/// security stamp, authenticator key and recovery codes). The email is the user name. An invited
/// person has no password until they accept the invitation.
/// </summary>
public sealed class PersonAccount : IdentityUser<Guid>
{
    public Guid OrganisationId { get; set; }

    public string Name { get; set; } = "";

    /// <summary><see cref="PersonRoles.Member"/> or <see cref="PersonRoles.Administrator"/>.</summary>
    public string Role { get; set; } = PersonRoles.Member;

    public DateTimeOffset InvitedAt { get; set; }

    /// <summary>SHA-256 of the invitation code, until it is accepted; the code itself is never stored.</summary>
    public string? InvitationCodeHash { get; set; }

    public DateTimeOffset? InvitationExpiresAt { get; set; }

    public DateTimeOffset? AcceptedAt { get; set; }

    /// <summary>Set when the organisation (or the operator) ended the person's access: no sign-in, no tokens, ever again.</summary>
    public DateTimeOffset? AccessEndedAt { get; set; }

    /// <summary>The TOTP time step of the last authenticator code accepted: a code is good once (RFC 6238 §5.2).</summary>
    public long? LastAuthenticatorStep { get; set; }

    public bool AccessEnded => AccessEndedAt is not null;
}

public static class PersonRoles
{
    public const string Member = "member";

    /// <summary>May invite the organisation's people and end their access.</summary>
    public const string Administrator = "administrator";

    public static readonly IReadOnlyList<string> All = [Member, Administrator];
}
