using System.Xml.Linq;
using Marten;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace ReferralNetwork.Referrals.Webhooks;

/// <summary>
/// Encrypts subscription secrets at rest with ASP.NET Core Data Protection, so the subscription
/// documents (and their copies: exports, backups of that table, support queries) do not hold a key
/// that could sign webhooks in a partner's name. Subscriptions stored before this kept the secret in
/// clear: they still sign, and <see cref="Migrate"/> moves them over.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    /// <summary>Isolates these ciphertexts from anything else protected with the same key ring.</summary>
    public const string Purpose = "ReferralNetwork.Referrals.Webhooks.SubscriptionSecret.v1";

    private readonly IDataProtector protector = provider.CreateProtector(Purpose);

    public string Protect(string secret) => protector.Protect(secret);

    /// <summary>The secret to sign with: decrypted, or the legacy clear one.</summary>
    public string Reveal(WebhookSubscription subscription) =>
        subscription.ProtectedSecret is { } protectedSecret ? protector.Unprotect(protectedSecret)
        : subscription.Secret ?? throw new InvalidOperationException($"Subscription {subscription.Id} has no secret.");

    /// <summary>The subscription with its clear secret encrypted and removed, or null when there is nothing to migrate.</summary>
    public WebhookSubscription? Migrate(WebhookSubscription subscription) =>
        subscription is { ProtectedSecret: null, Secret: { } clear } ? subscription with { ProtectedSecret = Protect(clear), Secret = null } : null;
}

/// <summary>One Data Protection key, as the XML the key manager writes.</summary>
public sealed class DataProtectionKeyDocument
{
    public string Id { get; set; } = "";

    public string Xml { get; set; } = "";
}

/// <summary>
/// Keeps the Data Protection key ring in the service's own PostgreSQL database. Chosen over a directory
/// because every instance and every restart then sees the same keys without a shared volume to
/// provision, and the keys share the database's backups, so a restored database can still decrypt its
/// secrets. The keys are not in the subscription documents, but whoever can read the whole database can
/// read both: protecting the key XML with a certificate or a key vault is the next step (docs/security-webhooks.md).
/// </summary>
public sealed class MartenXmlRepository(IDocumentStore store) : IXmlRepository
{
    // IXmlRepository is synchronous; the key manager calls it rarely (start, key rotation) and off
    // request threads, so blocking on Marten's async API here is acceptable.
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var session = store.QuerySession();
        var keys = session.Query<DataProtectionKeyDocument>().ToListAsync().GetAwaiter().GetResult();
        return keys.Select(k => XElement.Parse(k.Xml)).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var session = store.LightweightSession();
        session.Store(new DataProtectionKeyDocument { Id = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        session.SaveChangesAsync().GetAwaiter().GetResult();
    }
}

public static class WebhookSecretsExtensions
{
    /// <summary>Data Protection with its key ring in Marten, and <see cref="WebhookSecrets"/> on top.</summary>
    public static IServiceCollection AddWebhookSecrets(this IServiceCollection services)
    {
        services.ConfigureMarten(opts => opts.Schema.For<DataProtectionKeyDocument>());
        // A fixed name, so every instance of the service reads the others' ciphertexts.
        services.AddDataProtection().SetApplicationName("ReferralNetwork.Referrals");
        services.AddOptions<KeyManagementOptions>()
            .Configure<IServiceProvider>((o, provider) => o.XmlRepository = new MartenXmlRepository(provider.GetRequiredService<IDocumentStore>()));
        services.AddSingleton<WebhookSecrets>();
        return services;
    }
}
