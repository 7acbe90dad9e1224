using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using ReferralNetwork.CommunityProviders.Directory;
using ReferralNetwork.Contracts;

namespace ReferralNetwork.CommunityProviders.OpenReferral;

// HSDS 3.1 objects as Open Referral UK publishes them. Property names become snake_case on the wire
// (OpenReferralApi.Json); absent optional values are left out rather than written as null.

public sealed record OrukOrganization(string Id, string Name);

/// <summary>ORUK 1's eligibility object; kept beside HSDS 3's minimum_age/maximum_age on the service so clients of either profile read the ages.</summary>
public sealed record OrukEligibility(string Id, string Eligibility, int? MinimumAge, int? MaximumAge);

/// <summary>HSDS cost option: option names the kind (free, paid, donation); no amount is known for paid services.</summary>
public sealed record OrukCostOption(string Id, string Option, decimal? Amount = null, string? Currency = null);

public sealed record OrukSchedule(string Id, string Description);

public sealed record OrukServiceArea(string Id, string Name);

public sealed record OrukPhysicalAddress(string Id, string PostalCode);

public sealed record OrukAccessibility(string Id, string Accessibility);

public sealed record OrukLocation(
    string Id, string Name, IReadOnlyList<OrukPhysicalAddress> PhysicalAddresses, IReadOnlyList<OrukAccessibility> AccessibilityForDisabilities);

public sealed record OrukServiceAtLocation(string Id, OrukLocation Location);

public sealed record OrukTaxonomyTerm(string Id, string Code, string Name, string Vocabulary);

/// <summary>HSDS 3.1 unit: an object (id, name), not a bare string.</summary>
public sealed record OrukUnit(string Id, string Name);

public sealed record OrukServiceCapacity(string Id, int Available, int Maximum, OrukUnit Unit, string? Description, DateTimeOffset Updated);

public sealed record OrukService(
    string Id,
    string Name,
    string? Description,
    string Status,
    OrukOrganization Organization,
    string? EligibilityDescription,
    int? MinimumAge,
    int? MaximumAge,
    IReadOnlyList<OrukEligibility> Eligibilitys,
    IReadOnlyList<OrukCostOption> CostOptions,
    IReadOnlyList<OrukSchedule> Schedules,
    IReadOnlyList<OrukServiceArea> ServiceAreas,
    IReadOnlyList<OrukServiceAtLocation> ServiceAtLocations,
    IReadOnlyList<OrukTaxonomyTerm> TaxonomyTerms,
    IReadOnlyList<OrukServiceCapacity> ServiceCapacity);

/// <summary>An ORUK page. These names are camelCase in the ORUK specification, unlike the HSDS objects inside.</summary>
public sealed record OrukPage<T>(
    [property: JsonPropertyName("totalElements")] long TotalElements,
    [property: JsonPropertyName("totalPages")] long TotalPages,
    [property: JsonPropertyName("number")] int Number,
    [property: JsonPropertyName("size")] int Size,
    [property: JsonPropertyName("first")] bool First,
    [property: JsonPropertyName("last")] bool Last,
    [property: JsonPropertyName("content")] IReadOnlyList<T> Content);

/// <summary>Maps a listing to HSDS. Only directory facts: nothing about any onward referral or person.</summary>
public static class OrukMapping
{
    public const string NeedsVocabulary = "referral-network-needs";
    public const string PlacesUnit = "places";

    /// <summary>Only these are published; inactive and defunct services are no longer offered.</summary>
    public static bool IsPublished(ServiceStatus status) => status is ServiceStatus.Active or ServiceStatus.TemporarilyClosed;

    /// <summary>HSDS spells the status with a space.</summary>
    public static string Status(ServiceStatus status) => status switch
    {
        ServiceStatus.Active => "active",
        ServiceStatus.Inactive => "inactive",
        ServiceStatus.Defunct => "defunct",
        ServiceStatus.TemporarilyClosed => "temporarily closed",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static OrukService ToService(CommunityService s)
    {
        var d = s.Details;
        var id = s.Id.ToString();
        var ages = AgesInWords(d.Eligibility);
        var postcodes = d.Postcode is { } postcode ? [new OrukPhysicalAddress(IdFor(s.Id, "address"), postcode)] : Array.Empty<OrukPhysicalAddress>();
        // One venue per listing: the directory holds one postcode and one accessibility list per service.
        var location = new OrukLocation(
            IdFor(s.Id, "location"), d.Name, postcodes, d.Accessibility.Select((a, i) => new OrukAccessibility(IdFor(s.Id, $"accessibility/{i}"), a)).ToList());
        var waitlist = s.Waitlist switch
        {
            Waitlist.UnderOneMonth => "Waiting list: under 1 month.",
            Waitlist.OneToThreeMonths => "Waiting list: 1 to 3 months.",
            Waitlist.OverThreeMonths => "Waiting list: over 3 months.",
            _ => null,
        };
        return new OrukService(
            id,
            d.Name,
            d.Description,
            Status(s.Status),
            new OrukOrganization(s.ProviderId.ToString(), s.ProviderName),
            ages,
            d.Eligibility.MinAge,
            d.Eligibility.MaxAge,
            ages is null ? [] : [new OrukEligibility(IdFor(s.Id, "eligibility"), ages, d.Eligibility.MinAge, d.Eligibility.MaxAge)],
            [new OrukCostOption(IdFor(s.Id, "cost"), d.Cost.ToWire())],
            d.Schedule is { } schedule ? [new OrukSchedule(IdFor(s.Id, "schedule"), schedule)] : [],
            [new OrukServiceArea(IdFor(s.Id, "area"), d.Area)],
            [new OrukServiceAtLocation(IdFor(s.Id, "service-at-location"), location)],
            d.Categories.Select(c => new OrukTaxonomyTerm(IdFor(Guid.Empty, "needs/" + c), c, c, NeedsVocabulary)).ToList(),
            [new OrukServiceCapacity(IdFor(s.Id, "capacity"), d.Capacity.Available, d.Capacity.Maximum, new OrukUnit(IdFor(Guid.Empty, "unit/places"), PlacesUnit),
                waitlist, s.UpdatedAt ?? s.ListedAt)]);
    }

    /// <summary>
    /// HSDS objects need ids of their own. They are derived from the service id so they stay the same
    /// on every read (an ORUK client can follow them) without storing any.
    /// </summary>
    public static string IdFor(Guid owner, string part)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{owner:N}/{part}"));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    private static string? AgesInWords(Eligibility e) => (e.MinAge, e.MaxAge) switch
    {
        (null, null) => null,
        ({ } min, null) => $"Aged {min} or over",
        (null, { } max) => $"Aged {max} or under",
        ({ } min, { } max) => $"Aged {min} to {max}",
    };
}

/// <summary>ORUK paging: pages count from 1; per_page is 50 unless asked, at most 500.</summary>
public static class OrukPaging
{
    public const int DefaultPerPage = 50;
    public const int MaxPerPage = 500;

    /// <summary>The requested page, or the reason it is malformed (a 400).</summary>
    public static (int Page, int PerPage, string? Error) Read(string? page, string? perPage)
    {
        var number = 1;
        if (!string.IsNullOrEmpty(page) && (!int.TryParse(page, out number) || number < 1))
        {
            return (0, 0, "page must be a whole number from 1.");
        }

        var size = DefaultPerPage;
        if (!string.IsNullOrEmpty(perPage) && (!int.TryParse(perPage, out size) || size < 1 || size > MaxPerPage))
        {
            return (0, 0, $"per_page must be a whole number from 1 to {MaxPerPage}.");
        }

        return (number, size, null);
    }

    /// <summary>No items is one empty page that is both first and last, with totalPages 0.</summary>
    public static OrukPage<T> Of<T>(IReadOnlyList<T> content, long totalElements, int page, int perPage)
    {
        var totalPages = (totalElements + perPage - 1) / perPage;
        return new OrukPage<T>(totalElements, totalPages, page, perPage, page == 1, page >= totalPages, content);
    }
}
