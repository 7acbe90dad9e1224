using System.Text.RegularExpressions;
using ReferralNetwork.Contracts;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.Gateway.Organisations;

/// <summary>POST /api/admin/organisations. Kind is nullable so a missing kind is a 422 rather than a silent default.</summary>
public sealed record RegisterOrganisationRequest(string? Name, OrganisationKind? Kind, string? Area, string? OdsCode);

/// <summary>A registration that passed validation, trimmed.</summary>
public sealed record ValidRegistration(string Name, OrganisationKind Kind, string Area, string? OdsCode);

public static partial class Registration
{
    public const int MaxNameLength = 200;
    public const int MaxAreaLength = 64;
    public const int MaxOdsCodeLength = 20;

    /// <summary>Every kind except the operator, which only the operator client has.</summary>
    public static readonly IReadOnlyList<OrganisationKind> RegistrableKinds =
        Enum.GetValues<OrganisationKind>().Where(k => k != OrganisationKind.Operator).ToArray();

    public static ValidRegistration? Validate(RegisterOrganisationRequest request, ValidationErrors errors)
    {
        var name = request.Name?.Trim();
        errors.Required("name", name, MaxNameLength);

        if (request.Kind is not { } kind)
        {
            errors.Add("kind", "Required.");
        }
        else if (!RegistrableKinds.Contains(kind))
        {
            errors.Add("kind", "The operator is not registered; choose the partner's kind.");
        }

        var area = request.Area?.Trim();
        errors.Required("area", area, MaxAreaLength);
        if (!string.IsNullOrEmpty(area) && !AreaCode().IsMatch(area))
        {
            errors.Add("area", "A short code of lowercase letters, digits and hyphens, e.g. liverpool-north.");
        }

        var odsCode = string.IsNullOrWhiteSpace(request.OdsCode) ? null : request.OdsCode.Trim();
        errors.MaxLength("odsCode", odsCode, MaxOdsCodeLength);
        if (odsCode is not null && !odsCode.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add("odsCode", "Letters and digits only.");
        }

        return errors.Any ? null : new ValidRegistration(name!, request.Kind!.Value, area!, odsCode);
    }

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
    private static partial Regex AreaCode();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonSlug();
}

/// <summary>An organisation as the registry lists it: never its secret.</summary>
public sealed record OrganisationView(
    Guid Id, string Name, OrganisationKind Kind, string Area, string? OdsCode, string ClientId, DateTimeOffset RegisteredAt)
{
    public static OrganisationView From(Organisation o) => new(o.Id, o.Name, o.Kind, o.Area, o.OdsCode, o.ClientId, o.RegisteredAt);
}

/// <summary>The answer to a registration, the one time the client secret is shown (null when replayed for an Idempotency-Key).</summary>
public sealed record RegisteredOrganisation(
    Guid Id, string Name, OrganisationKind Kind, string Area, string? OdsCode, string ClientId, string? ClientSecret, DateTimeOffset RegisteredAt);

/// <summary>The answer to a secret rotation, the one time the new secret is shown.</summary>
public sealed record RotatedSecret(Guid Id, string ClientId, string ClientSecret);
