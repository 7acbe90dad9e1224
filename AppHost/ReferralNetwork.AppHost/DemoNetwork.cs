using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;


namespace ReferralNetwork.AppHost;

/// <summary>
/// Seeds a small, believable network for area liverpool-north through the gateway's public API,
/// exactly as partners would: organisations, their directory services and link workers.
/// Safe to run on every start: whatever already exists is left alone.
/// </summary>
public sealed class DemoNetwork
{
    public const string Area = "liverpool-north";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Optional fields (e.g. maxAge) are left out rather than sent as null.
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly DemoOrganisation[] Organisations =
    [
        new("Riverside Surgery", "gp-practice"),
        new("Liverpool North Adult Social Care", "social-care"),
        new("North Liverpool Social Prescribing", "link-worker-service")
        {
            LinkWorkers = [new("Sam Okafor", 30), new("Priya Shah", 25)],
        },
        new("Stanley Park Growers", "community-provider")
        {
            Services =
            [
                new DirectoryService(
                    "Green Fingers Gardening Group",
                    "Friendly weekly gardening sessions on the community plot: no experience needed, tools and tea provided.",
                    ["nature-and-green-space", "physical-activity", "loneliness"],
                    Area, "L4 2SL", "Tuesdays and Thursdays 10:00-12:30", "free",
                    new Eligibility(18, null), ["step-free access", "accessible toilet"], "direct",
                    new Capacity(15, 6)),
                new DirectoryService(
                    "Walk and Talk in Stanley Park",
                    "A gentle hour-long walk round the park with volunteers, finishing with a chat over a brew.",
                    ["physical-activity", "mental-wellbeing", "loneliness"],
                    Area, "L4 2SL", "Wednesdays 11:00-12:00", "free",
                    new Eligibility(16, null), ["level paths", "benches along the route"], "signpost",
                    new Capacity(25, 20)),
            ],
        },
        new("Kirkdale Community Hub", "community-provider")
        {
            Services =
            [
                new DirectoryService(
                    "Money Matters Advice Drop-in",
                    "One-to-one help with debt, benefits, bills and housing worries from trained advisers.",
                    ["debt-and-money", "housing", "employment-and-skills"],
                    Area, "L5 7RZ", "Mondays 13:00-16:00 and Fridays 09:30-12:00", "free",
                    new Eligibility(18, null), ["step-free access", "interpreters on request"], "direct",
                    new Capacity(30, 4)),
                new DirectoryService(
                    "Digital Skills Café",
                    "Learn to use a phone, tablet or computer at your own pace: video calls, online forms, staying safe online.",
                    ["digital-inclusion", "loneliness", "employment-and-skills"],
                    Area, "L5 7RZ", "Thursdays 14:00-16:00", "donation",
                    new Eligibility(16, null), ["step-free access", "large-print guides"], "direct",
                    new Capacity(12, 2)),
            ],
        },
        new("Liverpool Place Commissioning Team", "commissioner"),
    ];

    private readonly HttpClient http;
    private readonly Action<string> log;

    private DemoNetwork(HttpClient http, Action<string> log)
    {
        this.http = http;
        this.log = log;
    }

    /// <summary>Seeds the demo network and returns the path of the credentials file.</summary>
    public static async Task<string> SeedAsync(
        string gatewayUrl,
        string operatorClientSecret,
        string dataDirectory,
        Action<string> log,
        CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(gatewayUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        var demo = new DemoNetwork(http, log);
        var path = Path.Combine(dataDirectory, "demo-credentials.json");
        await demo.SeedAsync(gatewayUrl, operatorClientSecret, path, cancellationToken);
        return path;
    }

    private async Task SeedAsync(string gatewayUrl, string operatorClientSecret, string path, CancellationToken cancellationToken)
    {
        var known = ReadCredentials(path);
        var operatorToken = await TokenAsync(NetworkModel.OperatorClientId, operatorClientSecret, cancellationToken);
        var registered = await ListOrganisationsAsync(operatorToken, cancellationToken);

        var credentials = new List<OrganisationCredentials>();
        foreach (var organisation in Organisations)
        {
            var existing = registered.FirstOrDefault(r => r.Name == organisation.Name && r.Kind == organisation.Kind && r.Area == Area);
            var remembered = known.FirstOrDefault(k => k.Name == organisation.Name && k.Kind == organisation.Kind);
            if (existing is null)
            {
                credentials.Add(await RegisterAsync(organisation, operatorToken, cancellationToken));
            }
            else if (remembered is not null && string.Equals(remembered.Id, existing.Id, StringComparison.OrdinalIgnoreCase))
            {
                credentials.Add(remembered);
            }
            else
            {
                // The secret is shown only once, at registration; without the file it cannot be recovered.
                log($"[demo] {organisation.Name} is already registered but its credentials are not in {path}; " +
                    "it is left as it is (delete the data folder to start the demo afresh)");
            }
        }

        // Written before anything else can fail, so the secrets just issued are never lost.
        WriteCredentials(path, gatewayUrl, credentials);

        foreach (var organisation in Organisations)
        {
            var own = credentials.FirstOrDefault(c => c.Name == organisation.Name);
            if (own is null || (organisation.Services.Count == 0 && organisation.LinkWorkers.Count == 0))
            {
                continue;
            }
            var token = await TokenAsync(own.ClientId, own.ClientSecret, cancellationToken);
            await AddMissingServicesAsync(organisation, token, cancellationToken);
            await AddMissingLinkWorkersAsync(organisation, token, cancellationToken);
        }
        log($"[demo] {credentials.Count} demo organisations ready in area {Area}");
    }

    private async Task<OrganisationCredentials> RegisterAsync(DemoOrganisation organisation, string operatorToken, CancellationToken cancellationToken)
    {
        using var request = Post("api/admin/organisations", operatorToken, new { organisation.Name, organisation.Kind, Area }, "demo-organisation-" + Slug(organisation.Name));
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, $"registering {organisation.Name}", cancellationToken);
        var created = await response.Content.ReadFromJsonAsync<RegisteredOrganisation>(Json, cancellationToken);
        if (created is not { Id: not null, ClientId: not null, ClientSecret: not null })
        {
            throw new InvalidOperationException($"Registering {organisation.Name} did not return id, clientId and clientSecret.");
        }
        log($"[demo] registered {organisation.Name} ({organisation.Kind}) as {created.ClientId}");
        return new OrganisationCredentials(organisation.Name, organisation.Kind, Area, created.Id, created.ClientId, created.ClientSecret);
    }

    private async Task AddMissingServicesAsync(DemoOrganisation organisation, string token, CancellationToken cancellationToken)
    {
        if (organisation.Services.Count == 0)
        {
            return;
        }
        var listed = await GetItemsAsync($"api/directory/services?area={Area}", token, cancellationToken);
        var names = listed.Select(s => NameOf(s)).ToHashSet(StringComparer.Ordinal);
        foreach (var service in organisation.Services.Where(s => !names.Contains(s.Name)))
        {
            using var request = Post("api/directory/services", token, service, "demo-service-" + Slug(service.Name));
            using var response = await http.SendAsync(request, cancellationToken);
            await EnsureSuccessAsync(response, $"adding the service {service.Name}", cancellationToken);
            log($"[demo] {organisation.Name} added the service {service.Name}");
        }
    }

    private async Task AddMissingLinkWorkersAsync(DemoOrganisation organisation, string token, CancellationToken cancellationToken)
    {
        if (organisation.LinkWorkers.Count == 0)
        {
            return;
        }
        var listed = await GetItemsAsync("api/link-workers", token, cancellationToken);
        var names = listed.Select(w => NameOf(w)).ToHashSet(StringComparer.Ordinal);
        foreach (var worker in organisation.LinkWorkers.Where(w => !names.Contains(w.Name)))
        {
            using var request = Post("api/link-workers", token, worker, "demo-link-worker-" + Slug(worker.Name));
            using var response = await http.SendAsync(request, cancellationToken);
            await EnsureSuccessAsync(response, $"adding the link worker {worker.Name}", cancellationToken);
            log($"[demo] {organisation.Name} added the link worker {worker.Name}");
        }
    }

    private async Task<string> TokenAsync(string clientId, string clientSecret, CancellationToken cancellationToken)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
        });
        using var response = await http.PostAsync("connect/token", form, cancellationToken);
        await EnsureSuccessAsync(response, $"getting a token for {clientId}", cancellationToken);
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return body.RootElement.TryGetProperty("access_token", out var token) && token.GetString() is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"The token response for {clientId} has no access_token.");
    }

    private async Task<List<RegisteredOrganisation>> ListOrganisationsAsync(string operatorToken, CancellationToken cancellationToken)
    {
        var items = await GetItemsAsync("api/admin/organisations", operatorToken, cancellationToken);
        return [.. items.Select(i => i.Deserialize<RegisteredOrganisation>(Json)!)];
    }

    /// <summary>A list endpoint's items, whether it answers with a bare array or a page object holding one.</summary>
    private async Task<List<JsonElement>> GetItemsAsync(string path, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, $"GET /{path}", cancellationToken);
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var root = body.RootElement;
        var array = root.ValueKind == JsonValueKind.Array
            ? root
            : root.ValueKind == JsonValueKind.Object
                ? root.EnumerateObject().Select(p => p.Value).FirstOrDefault(v => v.ValueKind == JsonValueKind.Array)
                : default;
        return array.ValueKind == JsonValueKind.Array ? [.. array.EnumerateArray().Select(e => e.Clone())] : [];
    }

    private static HttpRequestMessage Post<T>(string path, string token, T body, string idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // A retried start after a crash mid-seeding then gets the original result instead of a duplicate.
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return request;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (body.Length > 500)
        {
            body = body[..500] + "…";
        }
        throw new HttpRequestException(
            $"Demo seeding failed {what}: {(int)response.StatusCode} {response.ReasonPhrase} {body}",
            null,
            response.StatusCode == 0 ? HttpStatusCode.InternalServerError : response.StatusCode);
    }

    private static string NameOf(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()!
            : "";

    private static string Slug(string name) =>
        string.Concat(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')).Trim('-');

    private List<OrganisationCredentials> ReadCredentials(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize<DemoCredentials>(File.ReadAllText(path), Json)?.Organisations ?? [];
        }
        catch (JsonException e)
        {
            log($"[demo] ignoring unreadable {path}: {e.Message}");
            return [];
        }
    }

    // It holds client secrets.
    private static void WriteCredentials(string path, string gatewayUrl, List<OrganisationCredentials> credentials) =>
        DataFolder.WriteOwnerOnly(path, JsonSerializer.Serialize(new DemoCredentials(gatewayUrl, Area, credentials), Json));

    private sealed record DemoOrganisation(string Name, string Kind)
    {
        public IReadOnlyList<DirectoryService> Services { get; init; } = [];

        public IReadOnlyList<LinkWorker> LinkWorkers { get; init; } = [];
    }

    /// <summary>The body of POST /api/directory/services (partner-api.md §5).</summary>
    private sealed record DirectoryService(
        string Name,
        string Description,
        string[] Categories,
        string Area,
        string Postcode,
        string Schedule,
        string Cost,
        Eligibility Eligibility,
        string[] Accessibility,
        string ReferralMode,
        Capacity Capacity);

    private sealed record Eligibility(int? MinAge, int? MaxAge);

    private sealed record Capacity(int Maximum, int Available);

    private sealed record LinkWorker(string Name, int MaxActiveCases);

    /// <summary>An organisation as the registry returns it; the list has no secrets.</summary>
    private sealed record RegisteredOrganisation(string? Id, string? Name, string? Kind, string? Area, string? ClientId, string? ClientSecret);

    private sealed record OrganisationCredentials(string Name, string Kind, string Area, string Id, string ClientId, string ClientSecret);

    private sealed record DemoCredentials(string GatewayUrl, string Area, List<OrganisationCredentials> Organisations);
}
