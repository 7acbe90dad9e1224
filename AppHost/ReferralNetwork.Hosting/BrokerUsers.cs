using System.Net;
using System.Net.Http.Json;

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
public sealed class BrokerUsers(string managementUrl, string administrator, string password, TimeSpan? timeout = null)
    : ManagementApiClient(managementUrl, administrator, password, timeout)
{
    /// <summary>RabbitMQ's built-in user, which must not exist on a broker of ours.</summary>
    public const string Guest = "guest";

    /// <summary>
    /// Creates <paramref name="user"/> or sets its password, with no tags (so no management UI or API),
    /// and sets its permissions on the default virtual host to exactly <paramref name="permissions"/>.
    /// </summary>
    /// <exception cref="HttpRequestException">The API refused or did not answer; its status code says which.</exception>
    public async Task EnsureUserAsync(string user, string password, BrokerPermissions permissions, CancellationToken cancellationToken = default)
    {
        var name = Uri.EscapeDataString(user);
        using (var created = await Http.PutAsJsonAsync($"api/users/{name}", new { password, tags = "" }, cancellationToken))
        {
            await EnsureSuccessAsync(created, $"user {user}", cancellationToken);
        }
        var granted = new { configure = permissions.Configure, write = permissions.Write, read = permissions.Read };
        using var permitted = await Http.PutAsJsonAsync($"api/permissions/%2F/{name}", granted, cancellationToken);
        await EnsureSuccessAsync(permitted, $"permissions of {user}", cancellationToken);
    }

    /// <summary>Deletes <paramref name="user"/> (and so its permissions and connections); false when there was none.</summary>
    public async Task<bool> DeleteUserAsync(string user, CancellationToken cancellationToken = default)
    {
        using var response = await Http.DeleteAsync($"api/users/{Uri.EscapeDataString(user)}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        await EnsureSuccessAsync(response, $"user {user}", cancellationToken);
        return true;
    }
}
