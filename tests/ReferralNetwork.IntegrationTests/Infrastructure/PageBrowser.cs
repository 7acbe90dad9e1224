using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ReferralNetwork.IntegrationTests.Infrastructure;

/// <summary>
/// A person's browser on the gateway's account pages, as plain HTTP: its own cookies, HTTPS (the
/// cookies are __Host-), redirects seen rather than followed, and forms posted with their antiforgery token.
/// </summary>
public sealed partial class PageBrowser
{
    private readonly HttpClient client;

    public PageBrowser(WebApplicationFactory<ReferralNetwork.Gateway.Organisations.OrganisationEvents> gateway) =>
        client = gateway.CreateClient(new WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri("https://localhost"),
            AllowAutoRedirect = false,
            HandleCookies = true,
        });

    public HttpClient Client => client;

    public async Task<(HttpResponseMessage Response, string Html)> GetAsync(string path)
    {
        var response = await client.GetAsync(path);
        return (response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Opens the page, then submits its form with <paramref name="fields"/> (and the page's hidden fields).</summary>
    public async Task<(HttpResponseMessage Response, string Html)> SubmitAsync(string path, IReadOnlyDictionary<string, string> fields)
    {
        var (page, html) = await GetAsync(path);
        if (page.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{path} answered {(int)page.StatusCode} {page.Headers.Location}");
        }

        var form = HiddenFields(html);
        foreach (var (name, value) in fields)
        {
            form[name] = value;
        }

        var action = FormAction().Match(html) is { Success: true } m && m.Groups[1].Value.Length > 0 ? WebUtility.HtmlDecode(m.Groups[1].Value) : path;
        var response = await client.PostAsync(action, new FormUrlEncodedContent(form));
        return (response, await response.Content.ReadAsStringAsync());
    }

    public static Dictionary<string, string> HiddenFields(string html) =>
        Hidden().Matches(html).ToDictionary(m => m.Groups["name"].Value, m => WebUtility.HtmlDecode(m.Groups["value"].Value));

    /// <summary>The text of the element with this id.</summary>
    public static string TextOf(string html, string id) =>
        WebUtility.HtmlDecode(Regex.Match(html, $"id=\"{id}\"[^>]*>(.*?)</", RegexOptions.Singleline).Groups[1].Value).Trim();

    [GeneratedRegex("<input(?=[^>]*type=\"hidden\")(?=[^>]*name=\"(?<name>[^\"]+)\")(?=[^>]*value=\"(?<value>[^\"]*)\")[^>]*>")]
    private static partial Regex Hidden();

    [GeneratedRegex("<form[^>]*action=\"([^\"]*)\"")]
    private static partial Regex FormAction();
}
