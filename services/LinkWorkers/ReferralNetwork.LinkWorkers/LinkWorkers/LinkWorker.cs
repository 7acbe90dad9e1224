namespace ReferralNetwork.LinkWorkers.LinkWorkers;

/// <summary>A link worker of a link-worker service, with the caseload they can hold at once.</summary>
public sealed record LinkWorker(Guid Id, Guid LinkWorkerServiceId, string Name, int MaxActiveCases, DateTimeOffset CreatedAt);

/// <summary>A community service as the link-worker service knows it, copied from the provider service's events.</summary>
public sealed record DirectoryListing(
    Guid Id, Guid ProviderId, string ProviderName, string Name, IReadOnlyList<string> Categories, string Area, string ReferralMode,
    int CapacityMaximum, int CapacityAvailable, DateTimeOffset UpdatedAt);
