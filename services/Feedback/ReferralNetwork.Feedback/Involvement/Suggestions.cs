using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.Feedback.Involvement;

/// <summary>A member of the public suggested something for an area (stream id = suggestion id).</summary>
public sealed record SuggestionMade(Guid SuggestionId, string Area, string Text, DateTimeOffset At);

public sealed record Suggestion(Guid Id, string Area, string Text, DateTimeOffset At)
{
    public static Suggestion Create(SuggestionMade e) => new(e.SuggestionId, e.Area, e.Text, e.At);
}

public sealed record MakeSuggestionRequest(string? Area, string? Text);

public sealed record SuggestionView(Guid Id, string Area, string Text, IReadOnlyList<string> Themes, DateTimeOffset At);

/// <summary>
/// One page of suggestions (newest first) with their themes, and how many of the area's suggestions
/// carry each theme (a suggestion may count under several).
/// </summary>
public sealed record SuggestionsView(
    string? Area, IReadOnlyList<SuggestionView> Suggestions, IReadOnlyDictionary<string, int> Themes, int Page, int PageSize, int TotalItems);

public static class SuggestionsApi
{
    public const int MaxAreaLength = 100;
    public const int MaxTextLength = 2000;

    public static IEndpointRouteBuilder MapInvolvementApi(this IEndpointRouteBuilder app)
    {
        var suggestions = app.MapGroup("/api/involvement/suggestions");
        // Public; the gateway rate-limits the anonymous route per client address.
        suggestions.MapPost("/", MakeAsync).AllowAnonymous().WithRequestValidation().WithIdempotencyKey();
        suggestions.MapGet("/", ListAsync).RequireKinds(true, OrganisationKind.Commissioner).WithRequestValidation();
        return app;
    }

    public static async Task<Created<SuggestionView>> MakeAsync(
        MakeSuggestionRequest request, IDocumentSession session, IdempotencyScope idempotency, TimeProvider clock, CancellationToken ct)
    {
        var made = new SuggestionMade(Guid.CreateVersion7(), request.Area!.Trim(), request.Text!.Trim(), clock.GetUtcNow());
        var view = new SuggestionView(made.SuggestionId, made.Area, made.Text, Themes.Of(made.Text), made.At);
        var location = $"/api/involvement/suggestions?area={Uri.EscapeDataString(made.Area)}";
        idempotency.Remember(session, StatusCodes.Status201Created, location, view);
        await session.StartAsync<Suggestion>(made.SuggestionId, [made], ct);
        return TypedResults.Created(location, view);
    }

    public static async Task<Results<Ok<SuggestionsView>, ProblemHttpResult>> ListAsync(
        string? area, Caller caller, IQuerySession session, [AsParameters] PageRequest paging, CancellationToken ct)
    {
        // A commissioner reads its own area; the operator any area, or all when none is named.
        var wanted = string.IsNullOrWhiteSpace(area) ? (caller.IsOperator ? null : caller.Area) : area.Trim();
        if (!caller.IsOperator && !string.Equals(wanted, caller.Area, StringComparison.Ordinal))
        {
            return Problems.Forbidden("A commissioner sees suggestions for its own area only.");
        }

        var query = session.Query<Suggestion>().AsQueryable();
        if (wanted is not null)
        {
            query = query.Where(s => s.Area == wanted);
        }

        // Unpaged callers of v1.0 get up to the largest page rather than every suggestion.
        var page = (await query.PageAsync(q => q.OrderByDescending(s => s.At).ThenBy(s => s.Id), paging.ForBareArray(), ct))
            .Select(s => new SuggestionView(s.Id, s.Area, s.Text, Themes.Of(s.Text), s.At));

        // Themes count every suggestion of the area, streamed text by text so memory stays flat.
        var themes = new Dictionary<string, int>(Themes.Count([]), StringComparer.Ordinal);
        await foreach (var text in query.Select(s => s.Text).ToAsyncEnumerable(ct))
        {
            foreach (var theme in Themes.Of(text))
            {
                themes[theme] = themes.GetValueOrDefault(theme) + 1;
            }
        }

        return TypedResults.Ok(new SuggestionsView(wanted, page.Items, themes, page.Page, page.PageSize, page.TotalItems));
    }
}

public sealed class MakeSuggestionRequestValidator : AbstractValidator<MakeSuggestionRequest>
{
    public MakeSuggestionRequestValidator()
    {
        RuleFor(r => r.Area).RequiredText(SuggestionsApi.MaxAreaLength);
        RuleFor(r => r.Text).RequiredText(SuggestionsApi.MaxTextLength);
    }
}

/// <summary>
/// Simple themes by the needs vocabulary: a need is a theme of a text when the text contains the
/// need's name or one of its keywords as whole words. No match → "other". Pure.
/// </summary>
public static class Themes
{
    public static readonly IReadOnlyDictionary<string, string[]> Keywords = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["loneliness"] = ["loneliness", "lonely", "isolated", "isolation", "alone", "friends", "friendship", "company", "befriending"],
        ["mental-wellbeing"] = ["mental wellbeing", "mental health", "wellbeing", "anxiety", "anxious", "depression", "depressed", "stress", "stressed", "mood"],
        ["physical-activity"] = ["physical activity", "exercise", "walk", "walks", "walking", "sport", "sports", "gym", "fitness", "swimming", "dance", "dancing", "active"],
        ["healthy-eating"] = ["healthy eating", "food", "eating", "diet", "cooking", "cook", "nutrition", "meals", "meal"],
        ["debt-and-money"] = ["debt", "debts", "money", "bills", "bill", "benefits", "finance", "finances", "financial", "afford", "cost of living"],
        ["housing"] = ["housing", "house", "home", "homeless", "homelessness", "rent", "landlord", "accommodation", "damp"],
        ["employment-and-skills"] = ["employment", "skills", "job", "jobs", "work", "training", "volunteering", "cv", "career"],
        ["carer-support"] = ["carer", "carers", "caring", "carer support"],
        ["bereavement"] = ["bereavement", "bereaved", "grief", "grieving", "widow", "widowed", "widower"],
        ["long-term-condition"] = ["long-term condition", "long term condition", "diabetes", "arthritis", "copd", "chronic", "pain", "asthma"],
        ["substance-use"] = ["substance", "alcohol", "drinking", "drugs", "drug", "smoking", "addiction", "gambling"],
        ["digital-inclusion"] = ["digital", "internet", "online", "computer", "computers", "smartphone", "tablet", "wifi", "broadband"],
        ["arts-and-culture"] = ["art", "arts", "culture", "music", "singing", "choir", "craft", "crafts", "painting", "theatre", "museum", "library"],
        ["nature-and-green-space"] = ["nature", "green space", "green spaces", "park", "parks", "garden", "gardens", "gardening", "allotment", "allotments", "outdoors", "woods"],
    };

    public const string Other = "other";

    /// <summary>The themes of a text, in vocabulary order; ["other"] when none match.</summary>
    public static IReadOnlyList<string> Of(string text)
    {
        var words = Normalise(text);
        var themes = Keywords.Where(k => k.Value.Any(keyword => words.Contains(Normalise(keyword), StringComparison.Ordinal))).Select(k => k.Key).ToList();
        return themes.Count > 0 ? themes : [Other];
    }

    /// <summary>Suggestions per theme, every theme of the vocabulary present (0 when none).</summary>
    public static IReadOnlyDictionary<string, int> Count(IEnumerable<IReadOnlyList<string>> themesPerSuggestion)
    {
        var counts = Needs.All.ToDictionary(n => n, _ => 0, StringComparer.Ordinal);
        foreach (var theme in themesPerSuggestion.SelectMany(t => t))
        {
            counts[theme] = counts.GetValueOrDefault(theme) + 1;
        }

        return counts;
    }

    // Lower-case words separated and surrounded by single spaces, so " bill " never matches "billion".
    private static string Normalise(string text)
    {
        var letters = text.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : ' ').ToArray();
        return " " + string.Join(' ', new string(letters).Split(' ', StringSplitOptions.RemoveEmptyEntries)) + " ";
    }
}
