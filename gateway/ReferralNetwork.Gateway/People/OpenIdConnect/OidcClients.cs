using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace ReferralNetwork.Gateway.People.OpenIdConnect;

/// <summary>A web app people sign in to through the gateway (People:Clients:&lt;client id&gt;).</summary>
public sealed class OidcClientSettings
{
    public string? DisplayName { get; set; }

    /// <summary>Every client is confidential: it proves itself at the token endpoint as well as using PKCE.</summary>
    public string? Secret { get; set; }

    public List<string> RedirectUris { get; set; } = [];

    public List<string> PostLogoutRedirectUris { get; set; } = [];
}

/// <summary>
/// Registers the configured clients at start (after the migrations), replacing what the store held, so
/// configuration is the one place a client is defined. A client no longer configured is removed.
/// </summary>
internal sealed class OidcClients(IServiceScopeFactory scopes, IConfiguration configuration) : IHostedService
{
    public const string Section = "People:Clients";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var configured = Read(configuration);
        await using var scope = scopes.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();

        await foreach (var existing in applications.ListAsync(count: null, offset: null, cancellationToken))
        {
            if (await applications.GetClientIdAsync(existing, cancellationToken) is not { } id || !configured.ContainsKey(id))
            {
                await applications.DeleteAsync(existing, cancellationToken);
            }
        }

        foreach (var (clientId, settings) in configured)
        {
            var descriptor = Describe(clientId, settings);
            if (await applications.FindByClientIdAsync(clientId, cancellationToken) is { } application)
            {
                await applications.UpdateAsync(application, descriptor, cancellationToken);
            }
            else
            {
                await applications.CreateAsync(descriptor, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The configured clients, checked: a client without a secret or a redirect address, or with a relative or fragment address, stops the gateway.</summary>
    public static IReadOnlyDictionary<string, OidcClientSettings> Read(IConfiguration configuration)
    {
        var clients = new Dictionary<string, OidcClientSettings>(StringComparer.Ordinal);
        foreach (var section in configuration.GetSection(Section).GetChildren())
        {
            var settings = section.Get<OidcClientSettings>() ?? new OidcClientSettings();
            if (string.IsNullOrWhiteSpace(settings.Secret) || settings.Secret.Length < 32)
            {
                throw new InvalidOperationException($"{Section}:{section.Key}:Secret must be set, at least 32 characters.");
            }

            if (settings.RedirectUris.Count == 0)
            {
                throw new InvalidOperationException($"{Section}:{section.Key}:RedirectUris must name at least one address.");
            }

            foreach (var uri in settings.RedirectUris.Concat(settings.PostLogoutRedirectUris))
            {
                if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Fragment.Length > 0 || parsed.Scheme is not ("https" or "http"))
                {
                    throw new InvalidOperationException($"{Section}:{section.Key}: '{uri}' is not an absolute http(s) address without a fragment.");
                }
            }

            clients[section.Key] = settings;
        }

        return clients;
    }

    private static OpenIddictApplicationDescriptor Describe(string clientId, OidcClientSettings settings)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = settings.Secret,
            ClientType = ClientTypes.Confidential,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = settings.DisplayName ?? clientId,
        };
        // The authorization code flow only, with PKCE, and signing out.
        descriptor.Permissions.UnionWith([
            Permissions.Endpoints.Authorization,
            Permissions.Endpoints.Token,
            Permissions.Endpoints.EndSession,
            Permissions.GrantTypes.AuthorizationCode,
            Permissions.ResponseTypes.Code,
        ]);
        descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        descriptor.RedirectUris.UnionWith(settings.RedirectUris.Select(u => new Uri(u)));
        descriptor.PostLogoutRedirectUris.UnionWith(settings.PostLogoutRedirectUris.Select(u => new Uri(u)));
        return descriptor;
    }
}
