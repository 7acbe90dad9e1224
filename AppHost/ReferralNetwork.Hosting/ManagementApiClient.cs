using System.Net.Http.Headers;
using System.Text;

namespace ReferralNetwork.Hosting;

/// <summary>A RabbitMQ management HTTP API, signed in as an administrator; what the AppHost sets the broker up through.</summary>
public abstract class ManagementApiClient : IDisposable
{
    /// <param name="managementUrl">The management root, e.g. <c>http://127.0.0.1:55673/</c>.</param>
    protected ManagementApiClient(string managementUrl, string administrator, string password, TimeSpan? timeout)
    {
        Http = new HttpClient
        {
            BaseAddress = new Uri(managementUrl.EndsWith('/') ? managementUrl : managementUrl + "/"),
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
        };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{administrator}:{password}")));
    }

    protected HttpClient Http { get; }

    public void Dispose()
    {
        Http.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Like <see cref="HttpResponseMessage.EnsureSuccessStatusCode"/>, with the broker's reason (a bad regex, an inequivalent argument) in the message.</summary>
    protected static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
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
