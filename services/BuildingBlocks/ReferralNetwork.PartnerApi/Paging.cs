using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Http;

namespace ReferralNetwork.PartnerApi;

/// <summary>
/// <c>?page=&amp;pageSize=</c> of every list (partner-api.md Conventions), bound with <c>[AsParameters]</c>
/// and checked by <see cref="PageRequestValidator"/> (the group's <c>WithRequestValidation()</c>).
/// </summary>
public sealed record PageRequest(int? Page = null, int? PageSize = null)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    /// <summary>Whether the caller asked for a page; lists that answered a bare array in v1.0 keep doing so otherwise.</summary>
    public bool Asked => Page is not null || PageSize is not null;

    public int Number => Page ?? 1;

    public int Size => PageSize ?? DefaultPageSize;

    /// <summary>In long: page × pageSize overflows an int long before it runs out of pages to ask for.</summary>
    public long Offset => (Number - 1L) * Size;

    /// <summary>A bare-array list not asked for a page answers the first <see cref="MaxPageSize"/> items, never everything.</summary>
    public PageRequest ForBareArray() => Asked ? this : new PageRequest(1, MaxPageSize);
}

public sealed class PageRequestValidator : AbstractValidator<PageRequest>
{
    public PageRequestValidator()
    {
        RuleFor(p => p.Page).Must(p => p is null or >= 1).WithMessage("A whole number from 1.");
        RuleFor(p => p.PageSize).Must(s => s is null or >= 1 and <= PageRequest.MaxPageSize)
            .WithMessage($"A whole number from 1 to {PageRequest.MaxPageSize}.");
    }
}

/// <summary>One page of a list: <c>{ items, page, pageSize, totalItems }</c> (Paged, since a member may not share its type's name).</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, int TotalItems)
{
    public Paged<TOut> Select<TOut>(Func<T, TOut> map) => new(Items.Select(map).ToList(), Page, PageSize, TotalItems);
}

public static class Paging
{
    /// <summary>
    /// Counts, then reads one page in the order given. A page past the end is empty without a second
    /// query, so no offset beyond the count (nor beyond an int) ever reaches the database.
    /// </summary>
    public static async Task<Paged<T>> PageAsync<T>(
        this IQueryable<T> query, Func<IQueryable<T>, IQueryable<T>> order, PageRequest request, CancellationToken ct)
        where T : notnull
    {
        var total = await query.CountAsync(ct);
        if (request.Offset >= total)
        {
            return new Paged<T>([], request.Number, request.Size, total);
        }

        var items = await order(query).Skip((int)request.Offset).Take(request.Size).ToListAsync(ct);
        return new Paged<T>(items, request.Number, request.Size, total);
    }

    /// <summary>The same, for a list already in memory.</summary>
    public static Paged<T> ToPage<T>(this IReadOnlyList<T> all, PageRequest request)
    {
        if (request.Offset >= all.Count)
        {
            return new Paged<T>([], request.Number, request.Size, all.Count);
        }

        return new Paged<T>(all.Skip((int)request.Offset).Take(request.Size).ToList(), request.Number, request.Size, all.Count);
    }

    /// <summary>
    /// The v1.0 bare array: the page's items, with <c>X-Total-Count</c> and, when there is more, a
    /// <c>Link</c> to the next page, so a partner can tell the array was cut short.
    /// </summary>
    public static IReadOnlyList<T> AsBareArray<T>(this Paged<T> page, HttpContext http)
    {
        http.Response.Headers["X-Total-Count"] = page.TotalItems.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if ((long)page.Page * page.PageSize < page.TotalItems)
        {
            var query = QueryString.Create(http.Request.Query
                .Where(q => !q.Key.Equals("page", StringComparison.OrdinalIgnoreCase) && !q.Key.Equals("pageSize", StringComparison.OrdinalIgnoreCase))
                .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
                .Append(new("page", (page.Page + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)))
                .Append(new("pageSize", page.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            http.Response.Headers.Link = $"<{http.Request.PathBase}{http.Request.Path}{query}>; rel=\"next\"";
        }

        return page.Items;
    }
}
