using System.Text.RegularExpressions;
using FluentValidation;
using ReferralNetwork.Contracts;

namespace ReferralNetwork.Gateway.Organisations;

/// <summary>POST /api/admin/organisations. Kind is nullable so a missing kind is a 422 rather than a silent default.</summary>
public sealed record RegisterOrganisationRequest(string? Name, OrganisationKind? Kind, string? Area, string? OdsCode);

/// <summary>A registration that passed <see cref="RegisterOrganisationRequestValidator"/>, trimmed.</summary>
public sealed record ValidRegistration(string Name, OrganisationKind Kind, string Area, string? OdsCode);

public static partial class Registration
{
    public const int MaxNameLength = 200;
    public const int MaxAreaLength = 64;
    public const int MaxOdsCodeLength = 20;

    /// <summary>Every kind except the operator, which only the operator client has.</summary>
    public static readonly IReadOnlyList<OrganisationKind> RegistrableKinds =
        Enum.GetValues<OrganisationKind>().Where(k => k != OrganisationKind.Operator).ToArray();

    public static ValidRegistration From(RegisterOrganisationRequest request) => new(
        request.Name!.Trim(), request.Kind!.Value, request.Area!.Trim(), string.IsNullOrWhiteSpace(request.OdsCode) ? null : request.OdsCode.Trim());

    /// <summary>
    /// A readable client id that is very unlikely to collide: the name as a slug plus a random suffix.
    /// The credential document's key is the client id, so a collision fails the insert rather than
    /// sharing an id.
    /// </summary>
    public static string NewClientId(string name)
    {
        var slug = NonSlug().Replace(name.ToLowerInvariant(), "-").Trim('-');
        if (slug.Length > 40)
        {
            slug = slug[..40].TrimEnd('-');
        }

        const string alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        var suffix = System.Security.Cryptography.RandomNumberGenerator.GetString(alphabet, 6);
        return $"{(slug.Length == 0 ? "org" : slug)}-{suffix}";
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")]
    internal static partial Regex AreaCode();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonSlug();
}

/// <summary>An organisation as the registry lists it: never its secret.</summary>
public sealed record OrganisationView(
    Guid Id, string Name, OrganisationKind Kind, string Area, string? OdsCode, string ClientId, DateTimeOffset RegisteredAt, bool Suspended)
{
    public static OrganisationView From(Organisation o) => new(o.Id, o.Name, o.Kind, o.Area, o.OdsCode, o.ClientId, o.RegisteredAt, o.Suspended);
}

/// <summary>The answer to a registration, the one time the client secret is shown (null when replayed for an Idempotency-Key).</summary>
public sealed record RegisteredOrganisation(
    Guid Id, string Name, OrganisationKind Kind, string Area, string? OdsCode, string ClientId, string? ClientSecret, DateTimeOffset RegisteredAt);

/// <summary>The answer to a secret rotation, the one time the new secret is shown.</summary>
public sealed record RotatedSecret(Guid Id, string ClientId, string ClientSecret);

/// <summary>A registration's fields, judged as the registry will store them: trimmed.</summary>
public sealed class RegisterOrganisationRequestValidator : AbstractValidator<RegisterOrganisationRequest>
{
    public RegisterOrganisationRequestValidator()
    {
        RuleFor(r => r.Name).RequiredTrimmed(Registration.MaxNameLength);
        RuleFor(r => r.Kind)
            .NotNull().WithMessage("Required.")
            .Must(kind => Registration.RegistrableKinds.Contains(kind!.Value)).WithMessage("The operator is not registered; choose the partner's kind.");
        RuleFor(r => r.Area)
            .RequiredTrimmed(Registration.MaxAreaLength)
            .Must(area => Registration.AreaCode().IsMatch(area!.Trim()))
            .WithMessage("A short code of lowercase letters, digits and hyphens, e.g. liverpool-north.");
        // A blank ODS code is no ODS code.
        RuleFor(r => r.OdsCode)
            .Must(ods => string.IsNullOrWhiteSpace(ods) || ods.Trim().Length <= Registration.MaxOdsCodeLength)
            .WithMessage($"At most {Registration.MaxOdsCodeLength} characters.")
            .Must(ods => string.IsNullOrWhiteSpace(ods) || ods.Trim().All(char.IsAsciiLetterOrDigit)).WithMessage("Letters and digits only.");
    }
}

/// <summary>PartnerRules.RequiredText, but counting the characters that are kept once trimmed.</summary>
public static class RegistrationRules
{
    public static IRuleBuilderOptions<T, string?> RequiredTrimmed<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.Must(v => !string.IsNullOrWhiteSpace(v)).WithMessage("Required.")
            .Must(v => v!.Trim().Length <= maxLength).WithMessage($"At most {maxLength} characters.");
}
