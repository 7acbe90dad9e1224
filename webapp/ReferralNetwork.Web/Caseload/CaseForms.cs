using ReferralNetwork.Web.Components.Forms;

namespace ReferralNetwork.Web.Caseload;

/// <summary>The case forms' own checks, the same limits the partner API holds them to (its validators).</summary>
public static class CaseForms
{
    public const int NoteMaxLength = 2000;
    public const int SummaryMaxLength = 4000;
    public const int WhatMattersMaxLength = 4000;
    public const int MaxInterests = 20;
    public const int InterestMaxLength = 50;

    /// <summary>The interests typed as a list ("walking, gardening; choir"): trimmed, blanks dropped, each once.</summary>
    public static IReadOnlyList<string> Interests(string? typed) =>
        (typed ?? "").Split([',', ';', '\n'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();

    /// <summary>An assessment as it will be sent, or null with each problem next to its field.</summary>
    public static AssessmentBody? Assessment(string? whatMatters, IReadOnlyCollection<string> needs, string? interests, IReadOnlyCollection<string> barriers, FormErrors errors)
    {
        var said = errors.RequireText("whatMatters", whatMatters, WhatMattersMaxLength, "Write what matters to the person, in their words.");
        if (needs.Count == 0)
        {
            errors.Add("needs", "Choose at least one need you agreed with the person.");
        }

        var tags = Interests(interests);
        if (tags.Count > MaxInterests)
        {
            errors.Add("interests", $"Enter {MaxInterests} interests or fewer (there are {tags.Count}).");
        }
        else if (tags.Any(t => t.Length > InterestMaxLength))
        {
            errors.Add("interests", $"Each interest must be {InterestMaxLength} characters or fewer.");
        }

        return errors.Any ? null : new AssessmentBody(said!, [.. needs], tags, [.. barriers]);
    }

    /// <summary>An optional note: null when blank, else checked for length.</summary>
    public static string? OptionalNote(string field, string? note, int maxLength, FormErrors errors) =>
        string.IsNullOrWhiteSpace(note) ? null : errors.RequireText(field, note, maxLength, "");
}

public sealed record AssessmentBody(string WhatMatters, IReadOnlyList<string> Needs, IReadOnlyList<string> Interests, IReadOnlyList<string> Barriers);
