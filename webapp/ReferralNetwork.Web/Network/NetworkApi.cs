using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Components.Authorization;
using ReferralNetwork.Web.SignIn;

namespace ReferralNetwork.Web.Network;

/// <summary>What the partner API said when it refused: its problem details, with each field's messages.</summary>
public sealed record ApiProblem(int Status, string Title, string? Detail, IReadOnlyDictionary<string, string[]> Errors)
{
    /// <summary>The person's session or token ended (or their access did): they must sign in again.</summary>
    public bool SignInAgain => Status == StatusCodes.Status401Unauthorized;

    /// <summary>
    /// Whether what the page showed must go: the person may no longer see it (signed out, access ended, not
    /// theirs). Only when the network could not be reached is the last answer left on the page, with the problem.
    /// </summary>
    public bool Withdraws => Status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status404NotFound;

    /// <summary>Someone else changed it first, or it no longer allows this: show it afresh.</summary>
    public bool Conflict => Status == StatusCodes.Status409Conflict;

    public static ApiProblem Unreachable { get; } =
        new(StatusCodes.Status503ServiceUnavailable, "The network could not be reached", "Nothing was changed. Try again in a minute.", new Dictionary<string, string[]>());

    public static ApiProblem Unreadable { get; } =
        new(StatusCodes.Status502BadGateway, "The network's answer could not be read", "Try again; if it keeps happening, tell the network's operator.", new Dictionary<string, string[]>());

    public static ApiProblem NotSignedIn { get; } =
        new(StatusCodes.Status401Unauthorized, "Your sign-in has ended", "Sign in again to carry on.", new Dictionary<string, string[]>());
}

/// <summary>One page of a list, as every list of the partner API answers when asked for a page.</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Items, int Page, int PageSize, int TotalItems);

/// <summary>An answer of the partner API: the value, or the problem.</summary>
public sealed record ApiResult<T>(T? Value, ApiProblem? Problem)
{
    public bool Succeeded => Problem is null;
}

/// <summary>
/// The partner API, called through the gateway as the person signed in, with their own token, as any
/// organisation's system would: the app has no other way in and no privileges of its own.
/// </summary>
public sealed class NetworkApi(HttpClient http, AuthenticationStateProvider authentication, PersonSessions sessions, ILogger<NetworkApi> logger)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Most items a page shows of one list; beyond them a page would be no use to a person anyway.</summary>
    public const int MostListed = 5_000;

    private const int PageSize = 500;

    public Task<ApiResult<T>> GetAsync<T>(string path, CancellationToken ct = default) =>
        SendAsync<T>(HttpMethod.Get, path, null, null, ct);

    /// <summary>A whole list, page by page (up to <see cref="MostListed"/> items).</summary>
    public async Task<ApiResult<List<T>>> GetAllAsync<T>(string path, CancellationToken ct = default)
    {
        var all = new List<T>();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        for (var number = 1; all.Count < MostListed; number++)
        {
            var answer = await GetAsync<ListPage<T>>($"{path}{separator}page={number}&pageSize={PageSize}", ct);
            if (answer.Problem is { } problem)
            {
                return new(default, problem);
            }

            all.AddRange(answer.Value!.Items);
            if (answer.Value.Items.Count < PageSize || all.Count >= answer.Value.TotalItems)
            {
                break;
            }
        }

        return new(all, null);
    }

    /// <summary>A command. The key makes a repeat of the same submission (a double click, a retry) count once.</summary>
    public Task<ApiResult<T>> PostAsync<T>(string path, object? body, Guid idempotencyKey, CancellationToken ct = default) =>
        SendAsync<T>(HttpMethod.Post, path, body ?? new { }, idempotencyKey, ct);

    public Task<ApiResult<T>> PutAsync<T>(string path, object body, CancellationToken ct = default) =>
        SendAsync<T>(HttpMethod.Put, path, body, null, ct);

    /// <summary>Any other method without a body (DELETE).</summary>
    public Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, CancellationToken ct = default) =>
        SendAsync<T>(method, path, null, null, ct);

    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, object? body, Guid? idempotencyKey, CancellationToken ct)
    {
        var person = (await authentication.GetAuthenticationStateAsync()).User;
        if (sessions.AccessTokenOf(person) is not { } token)
        {
            return new(default, ApiProblem.NotSignedIn);
        }

        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is { } key)
        {
            request.Headers.Add(IdempotencyKeyHeader, key.ToString());
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        try
        {
            using var response = await http.SendAsync(request, ct);
            if (response.IsSuccessStatusCode)
            {
                return new(await response.Content.ReadFromJsonAsync<T>(Json, ct), null);
            }

            return new(default, await ProblemOfAsync(response, ct));
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "The gateway could not be reached for {Method} {Path}", method, path);
            return new(default, ApiProblem.Unreachable);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            // An answer of another shape than this app knows: said on the page, never a broken page.
            logger.LogError(ex, "The answer to {Method} {Path} could not be read", method, path);
            return new(default, ApiProblem.Unreadable);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning("The gateway did not answer {Method} {Path} in time", method, path);
            return new(default, ApiProblem.Unreachable);
        }
    }

    private static async Task<ApiProblem> ProblemOfAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        ProblemBody? body = null;
        try
        {
            body = await response.Content.ReadFromJsonAsync<ProblemBody>(Json, ct);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            // Not problem details (a proxy's page): the status says enough.
        }

        var title = body?.Title ?? response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => ApiProblem.NotSignedIn.Title,
            HttpStatusCode.Forbidden => "You cannot do this",
            HttpStatusCode.NotFound => "Not found",
            _ => "Something went wrong",
        };
        var errors = body?.Errors?.ToDictionary(e => e.Key, e => e.Value, StringComparer.OrdinalIgnoreCase) ?? [];
        return new ApiProblem(status, title, body?.Detail, errors);
    }

    private sealed record ProblemBody(string? Title, string? Detail, Dictionary<string, string[]>? Errors);
}
