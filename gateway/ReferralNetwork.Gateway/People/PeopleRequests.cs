using System.Net.Mail;
using FluentValidation;
using ReferralNetwork.Gateway.Organisations;

namespace ReferralNetwork.Gateway.People;

/// <summary>POST /api/organisations/{id}/people: invites a person to act for the organisation.</summary>
public sealed record InvitePersonRequest(string? Name, string? Email, string? Role);

/// <summary>The answer to an invitation, the one time its code is shown.</summary>
public sealed record InvitedPerson(Guid Id, Guid OrganisationId, string Name, string Email, string Role, string InvitationCode, DateTimeOffset InvitationExpiresAt);

/// <summary>A person as their organisation lists them: never an invitation code or anything Identity keeps.</summary>
public sealed record PersonView(
    Guid Id, Guid OrganisationId, string Name, string Email, string Role, string Status,
    DateTimeOffset InvitedAt, DateTimeOffset? InvitationExpiresAt, DateTimeOffset? AcceptedAt, DateTimeOffset? AccessEndedAt)
{
    public static PersonView From(PersonAccount a) => new(
        a.Id, a.OrganisationId, a.Name, a.Email ?? "", a.Role, StatusOf(a),
        a.InvitedAt, a.AcceptedAt is null ? a.InvitationExpiresAt : null, a.AcceptedAt, a.AccessEndedAt);

    private static string StatusOf(PersonAccount a) =>
        a.AccessEnded ? "ended" : a.AcceptedAt is null ? "invited" : "active";
}

public static class PeopleRules
{
    public const int MaxNameLength = 200;

    // RFC 5321's limit on a path; longer ones cannot be delivered anywhere, so they are typing mistakes.
    public const int MaxEmailLength = 254;

    /// <summary>The email as it is stored and signed in with: trimmed, otherwise as typed (Identity compares it case-insensitively).</summary>
    public static string Email(string email) => email.Trim();

    public static bool IsEmail(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return false;
        }

        var trimmed = email.Trim();
        // MailAddress also accepts "Name <a@b>" and other forms; only the bare address is an email here.
        return MailAddress.TryCreate(trimmed, out var parsed) && parsed.Address == trimmed && parsed.Host.Contains('.', StringComparison.Ordinal);
    }
}

public sealed class InvitePersonRequestValidator : AbstractValidator<InvitePersonRequest>
{
    public InvitePersonRequestValidator()
    {
        RuleFor(r => r.Name).RequiredTrimmed(PeopleRules.MaxNameLength);
        RuleFor(r => r.Email)
            .RequiredTrimmed(PeopleRules.MaxEmailLength)
            .Must(PeopleRules.IsEmail).WithMessage("An email address, e.g. sam@example.org.");
        RuleFor(r => r.Role)
            .Must(role => role is not null && PersonRoles.All.Contains(role)).WithMessage($"One of: {string.Join(", ", PersonRoles.All)}.");
    }
}
