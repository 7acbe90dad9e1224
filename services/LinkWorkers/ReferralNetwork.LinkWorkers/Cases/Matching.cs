using System.Globalization;
using ReferralNetwork.LinkWorkers.LinkWorkers;

namespace ReferralNetwork.LinkWorkers.Cases;

/// <summary>Who is being matched: only what ranking needs, so the ranking can be tested on hand-built values.</summary>
public sealed record MatchProfile(
    string Area, int? Age, string? Postcode, IReadOnlyList<string> Needs, IReadOnlyList<string> Interests, IReadOnlyList<string> Barriers)
{
    /// <summary>The case's person as matching sees them: the assessment's needs (else the referral's), interests and barriers.</summary>
    public static MatchProfile For(Case @case, DateOnly today) => new(
        @case.Area,
        AgeOn(@case.Person.DateOfBirth, today),
        @case.Person.Postcode,
        @case.NeedsToMeet,
        @case.Assessment?.Interests ?? [],
        @case.Assessment?.Barriers ?? []);

    /// <summary>Whole years; null when the date of birth is unknown or erased (no age rule can then be applied).</summary>
    public static int? AgeOn(DateOnly dateOfBirth, DateOnly today)
    {
        if (dateOfBirth == DateOnly.MinValue || dateOfBirth > today)
        {
            return null;
        }

        var age = today.Year - dateOfBirth.Year;
        return dateOfBirth.AddYears(age) > today ? age - 1 : age;
    }
}

public sealed record MatchCapacity(int Available, int Maximum, string Waitlist);

/// <summary>One ranked community service with the reasons a link worker can read out.</summary>
public sealed record Match(
    Guid ServiceId, string Name, string ProviderName, int Score, IReadOnlyList<string> Reasons, MatchCapacity Capacity, string ReferralMode);

/// <summary>
/// Ranks the directory for one person. Pure: the same profile, listings and time give the same list.
///
/// Only active services of the person's area are considered, and those whose age rule excludes the person
/// are removed. A score (0–100) is built from:
/// <list type="bullet">
/// <item>needs: up to 50, in proportion to the needs the service's categories meet;</item>
/// <item>interests: 10 per interest tag sharing a word with the name, description or categories, up to 20;</item>
/// <item>cost barrier: free +15, donation +5, paid −20;</item>
/// <item>mobility barrier: step-free or wheelchair access +15, none listed −10;</item>
/// <item>transport barrier: same postcode district +10, another −5 (no effect when either postcode is unknown);</item>
/// <item>language barrier: interpreter or language support listed +5; digital barrier: a digital-inclusion service +5;
/// confidence barrier: a gentle start listed (small group, beginners, buddy, drop-in, welcome) +5 — mild, as these are
/// hints in free text rather than firm facts;</item>
/// <item>capacity: places available +10, none −25 (the service may still be right, but the person would wait);</item>
/// <item>freshness: confirmed within 90 days +5, longer ago −15 (an unconfirmed listing may no longer be true).</item>
/// </list>
/// Services that take referrals come first, then signpost-only ones (each group best first, ties by name): the list
/// keeps partner-api.md's array shape, and a link worker still sees a good signpost-only fit, marked as such, without
/// it outranking something they can refer to.
/// </summary>
public static class Matching
{
    public const int StaleAfterDays = 90;

    private static readonly string[] StepFree = ["step-free", "step free", "wheelchair", "level access", "ramp", "lift"];
    private static readonly string[] LanguageSupport = ["interpreter", "translation", "bsl", "sign language", "multilingual", "language"];
    private static readonly string[] GentleStart = ["small group", "beginner", "buddy", "drop-in", "drop in", "welcome", "gentle", "one-to-one"];

    // Words too common to say anything about fit.
    private static readonly HashSet<string> Filler = new(StringComparer.Ordinal)
    {
        "and", "the", "for", "with", "group", "club", "service", "services", "other", "session", "sessions",
    };

    public static IReadOnlyList<Match> Rank(MatchProfile person, IEnumerable<DirectoryListing> listings, DateTimeOffset now) =>
        listings
            .Where(l => l.Area == person.Area && l.IsActive && IsEligible(person.Age, l))
            .Select(l => Score(person, l, now))
            .OrderBy(m => m.ReferralMode == "direct" ? 0 : 1)
            .ThenByDescending(m => m.Score)
            .ThenBy(m => m.Name, StringComparer.OrdinalIgnoreCase)
            .ThenBy(m => m.ServiceId)
            .ToList();

    public static bool IsEligible(int? age, DirectoryListing listing) =>
        age is not { } years || (years >= (listing.MinAge ?? 0) && years <= (listing.MaxAge ?? int.MaxValue));

    private static Match Score(MatchProfile person, DirectoryListing listing, DateTimeOffset now)
    {
        var reasons = new List<string>();
        var score = 0;

        score += ScoreNeeds(person.Needs, listing, reasons);
        score += ScoreInterests(person.Interests, listing, reasons);
        score += ScoreCost(person.Barriers.Contains(Barriers.Cost), listing.Cost, reasons);
        if (person.Barriers.Contains(Barriers.Mobility))
        {
            score += ScoreMobility(listing, reasons);
        }

        if (person.Barriers.Contains(Barriers.Transport))
        {
            score += ScoreTransport(person.Postcode, listing.Postcode, reasons);
        }

        score += ScoreMildBarriers(person.Barriers, listing, reasons);
        score += ScoreCapacity(listing, reasons);
        score += ScoreFreshness(listing.LastConfirmed, now, reasons);

        if (!listing.TakesReferrals)
        {
            reasons.Add("Signpost only — give the person its details; it takes no referrals");
        }

        return new Match(listing.Id, listing.Name, listing.ProviderName, Math.Clamp(score, 0, 100), reasons,
            new MatchCapacity(listing.CapacityAvailable, listing.CapacityMaximum, listing.Waitlist), listing.ReferralMode);
    }

    private static int ScoreNeeds(IReadOnlyList<string> needs, DirectoryListing listing, List<string> reasons)
    {
        var wanted = needs.Distinct().ToList();
        if (wanted.Count == 0)
        {
            return 0;
        }

        var met = wanted.Where(listing.Categories.Contains).ToList();
        reasons.Add(met.Count == 0
            ? $"Meets none of the {Count(wanted.Count, "need")}"
            : $"Meets {met.Count} of {Count(wanted.Count, "need")}: {string.Join(", ", met)}");
        return 50 * met.Count / wanted.Count;
    }

    private static int ScoreInterests(IReadOnlyList<string> interests, DirectoryListing listing, List<string> reasons)
    {
        if (interests.Count == 0)
        {
            return 0;
        }

        var offered = Words($"{listing.Name} {listing.Description} {string.Join(' ', listing.Categories)}");
        var shared = interests.Where(i => Words(i).Overlaps(offered)).ToList();
        if (shared.Count == 0)
        {
            return 0;
        }

        reasons.Add($"Matches {(shared.Count == 1 ? "an interest" : "interests")}: {string.Join(", ", shared)}");
        return Math.Min(20, 10 * shared.Count);
    }

    private static int ScoreCost(bool costIsABarrier, string cost, List<string> reasons)
    {
        if (!costIsABarrier)
        {
            // Said anyway: it is what a person asks first, but it only moves the rank when money is a barrier.
            reasons.Add(cost switch { "free" => "Free", "donation" => "Donation asked", _ => "Paid" });
            return 0;
        }

        switch (cost)
        {
            case "free":
                reasons.Add("Free — cost was raised as a barrier");
                return 15;
            case "donation":
                reasons.Add("Donation asked, not required — cost was raised as a barrier");
                return 5;
            default:
                reasons.Add("Paid — cost was raised as a barrier");
                return -20;
        }
    }

    private static int ScoreMobility(DirectoryListing listing, List<string> reasons)
    {
        var access = listing.Accessibility ?? [];
        if (access.Any(a => a.Contains("wheelchair", StringComparison.OrdinalIgnoreCase)))
        {
            reasons.Add("Wheelchair accessible");
            return 15;
        }

        if (access.Any(a => StepFree.Any(s => a.Contains(s, StringComparison.OrdinalIgnoreCase))))
        {
            reasons.Add("Step-free access");
            return 15;
        }

        reasons.Add("No step-free access listed — mobility was raised as a barrier");
        return -10;
    }

    private static int ScoreTransport(string? personPostcode, string? servicePostcode, List<string> reasons)
    {
        var home = OutwardCode(personPostcode);
        var venue = OutwardCode(servicePostcode);
        if (home is null || venue is null)
        {
            return 0;
        }

        if (home == venue)
        {
            reasons.Add($"Close to home ({venue}) — transport was raised as a barrier");
            return 10;
        }

        reasons.Add($"In {venue}, not the person's district {home} — transport was raised as a barrier");
        return -5;
    }

    private static int ScoreMildBarriers(IReadOnlyList<string> barriers, DirectoryListing listing, List<string> reasons)
    {
        var score = 0;
        var access = listing.Accessibility ?? [];
        var text = $"{listing.Description} {string.Join(' ', access)}";
        if (barriers.Contains(Barriers.Language) && access.Any(a => LanguageSupport.Any(s => a.Contains(s, StringComparison.OrdinalIgnoreCase))))
        {
            reasons.Add("Language support listed — language was raised as a barrier");
            score += 5;
        }

        if (barriers.Contains(Barriers.Digital) && listing.Categories.Contains("digital-inclusion"))
        {
            reasons.Add("Helps people get online — digital was raised as a barrier");
            score += 5;
        }

        if (barriers.Contains(Barriers.Confidence) && GentleStart.Any(s => text.Contains(s, StringComparison.OrdinalIgnoreCase)))
        {
            reasons.Add("A gentle start is offered — confidence was raised as a barrier");
            score += 5;
        }

        return score;
    }

    private static int ScoreCapacity(DirectoryListing listing, List<string> reasons)
    {
        if (listing.CapacityAvailable > 0)
        {
            reasons.Add($"{Count(listing.CapacityAvailable, "place")} available");
            return 10;
        }

        reasons.Add($"No places now; {WaitlistWords(listing.Waitlist)}");
        return -25;
    }

    private static int ScoreFreshness(DateTimeOffset confirmed, DateTimeOffset now, List<string> reasons)
    {
        var days = Math.Max(0, (int)(now - confirmed).TotalDays);
        if (days > StaleAfterDays)
        {
            reasons.Add($"Listing not confirmed for {Count(days / 30, "month")}");
            return -15;
        }

        reasons.Add(days switch
        {
            0 => "Listing confirmed today",
            _ => $"Listing confirmed {Count(days, "day")} ago",
        });
        return 5;
    }

    /// <summary>"waitlist 1-3 months", or that none is given.</summary>
    public static string WaitlistWords(string waitlist) => waitlist switch
    {
        "none" or "" => "no waitlist given",
        "under-1-month" => "waitlist under 1 month",
        "1-3-months" => "waitlist 1-3 months",
        "over-3-months" => "waitlist over 3 months",
        _ => $"waitlist {waitlist}",
    };

    /// <summary>The postcode district ("L4" of "L4 0TD"): the outward code, before the space or the last three characters.</summary>
    public static string? OutwardCode(string? postcode)
    {
        var compact = postcode?.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        return compact is { Length: >= 5 and <= 7 } ? compact[..^3] : null;
    }

    private static HashSet<string> Words(string text) =>
        text.ToLowerInvariant()
            .Split(text.Where(c => !char.IsLetterOrDigit(c)).Distinct().ToArray(), StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Length >= 3 && !Filler.Contains(w))
            .Select(Stem)
            .ToHashSet(StringComparer.Ordinal);

    // Just enough that "walks", "walking" and "walk" meet.
    private static string Stem(string word) =>
        word.EndsWith("ing", StringComparison.Ordinal) && word.Length > 5 ? word[..^3]
        : word.EndsWith('s') && word.Length > 3 ? word[..^1]
        : word;

    private static string Count(int n, string noun) => string.Create(CultureInfo.InvariantCulture, $"{n} {noun}{(n == 1 ? "" : "s")}");
}
