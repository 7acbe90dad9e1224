using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace ReferralNetwork.Hosting;

/// <summary>
/// A user's permissions on one virtual host, as RabbitMQ checks them: each is a regular expression
/// over the names of queues and exchanges (unanchored unless it says <c>^…$</c>). <c>configure</c>
/// lets the user declare and delete them, <c>write</c> publish to an exchange and bind into a queue
/// or exchange, <c>read</c> consume, get and purge a queue and bind from an exchange.
/// </summary>
public sealed record BrokerPermissions(string Configure, string Write, string Read);

/// <summary>
/// Creates and removes users through a RabbitMQ management HTTP API, signed in as an administrator.
/// Every call is idempotent: the AppHost makes them on every start of its broker.
/// </summary>
public sealed class BrokerUsers : IDisposable
{
    /// <summary>RabbitMQ's built-in user, which must not exist on a broker of ours.</summary>
    public const string Guest = "guest";

    private readonly HttpClient http;

    /// <param name="managementUrl">The management root, e.g. <c>http://127.0.0.1:55673/</c>.</param>
    public BrokerUsers(string managementUrl, string administrator, string password, TimeSpan? timeout = null)
    {
        http = new HttpClient
        {
            BaseAddress = new Uri(managementUrl.EndsWith('/') ? managementUrl : managementUrl + "/"),
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{administrator}:{password}")));
    }

    /// <summary>
    /// Creates <paramref name="user"/> or sets its password, with no tags (so no management UI or API),
    /// and sets its permissions on the default virtual host to exactly <paramref name="permissions"/>.
    /// </summary>
    /// <exception cref="HttpRequestException">The API refused or did not answer; its status code says which.</exception>
    public async Task EnsureUserAsync(string user, string password, BrokerPermissions permissions, CancellationToken cancellationToken = default)
    {
        var name = Uri.EscapeDataString(user);
        using (var created = await http.PutAsJsonAsync($"api/users/{name}", new { password, tags = "" }, cancellationToken))
        {
            await EnsureSuccessAsync(created, $"user {user}", cancellationToken);
        }
        var granted = new { configure = permissions.Configure, write = permissions.Write, read = permissions.Read };
        using var permitted = await http.PutAsJsonAsync($"api/permissions/%2F/{name}", granted, cancellationToken);
        await EnsureSuccessAsync(permitted, $"permissions of {user}", cancellationToken);
    }

    /// <summary>Deletes <paramref name="user"/> (and so its permissions and connections); false when there was none.</summary>
    public async Task<bool> DeleteUserAsync(string user, CancellationToken cancellationToken = default)
    {
        using var response = await http.DeleteAsync($"api/users/{Uri.EscapeDataString(user)}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        await EnsureSuccessAsync(response, $"user {user}", cancellationToken);
        return true;
    }

    public void Dispose() => http.Dispose();

    /// <summary>Like <see cref="HttpResponseMessage.EnsureSuccessStatusCode"/>, with the broker's reason (a bad regex, say) in the message.</summary>
    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var reason = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new HttpRequestException(
            $"RabbitMQ's management API answered {(int)response.StatusCode} {response.ReasonPhrase} for {what}: {reason}",
            null,
            response.StatusCode);
    }
}
