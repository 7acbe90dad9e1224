using System.Net.Http.Json;
using System.Text.Json;

namespace ReferralNetwork.Hosting;

/// <summary>
/// What a RabbitMQ cluster's management API says about its members: which nodes run, and which of them
/// hold a quorum queue's replicas.
/// </summary>
public sealed class BrokerCluster(string managementUrl, string administrator, string password, TimeSpan? timeout = null)
    : ManagementApiClient(managementUrl, administrator, password, timeout)
{
    /// <summary>The names of the cluster's nodes that run now, e.g. <c>rn-1a2b3c4d@localhost</c>.</summary>
    public async Task<IReadOnlyList<string>> RunningNodesAsync(CancellationToken cancellationToken = default)
    {
        using var answer = await Http.GetAsync("api/nodes?columns=name,running", cancellationToken);
        await EnsureSuccessAsync(answer, "the cluster's nodes", cancellationToken);
        var nodes = await answer.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return [.. nodes.EnumerateArray()
            .Where(n => n.TryGetProperty("running", out var running) && running.ValueKind == JsonValueKind.True)
            .Select(n => n.GetProperty("name").GetString()!)];
    }

    /// <summary>The nodes holding a replica of a quorum queue (its <c>members</c>) and the one leading it.</summary>
    public async Task<(IReadOnlyList<string> Members, string? Leader)> QueueReplicasAsync(string queue, CancellationToken cancellationToken = default)
    {
        using var answer = await Http.GetAsync($"api/queues/%2F/{Uri.EscapeDataString(queue)}", cancellationToken);
        await EnsureSuccessAsync(answer, $"queue {queue}", cancellationToken);
        var found = await answer.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        IReadOnlyList<string> members = found.TryGetProperty("members", out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Select(m => m.GetString()!)]
            : [];
        var leader = found.TryGetProperty("leader", out var named) && named.ValueKind == JsonValueKind.String ? named.GetString() : null;
        return (members, leader);
    }
}
