using Marten;
using MassTransit;
using ReferralNetwork.Contracts.CommunityProviders;

namespace ReferralNetwork.Feedback.Services;

/// <summary>A community service's listing as far as reports need it: area and capacity (stream id = service id).</summary>
public sealed record ServiceListingChanged(Guid ServiceId, Guid ProviderId, string Name, string Area, int CapacityMaximum, int CapacityAvailable, DateTimeOffset At);

public sealed record ListedService(Guid Id, Guid ProviderId, string Name, string Area, int CapacityMaximum, int CapacityAvailable, DateTimeOffset At)
{
    public static ListedService Create(ServiceListingChanged e) => new(e.ServiceId, e.ProviderId, e.Name, e.Area, e.CapacityMaximum, e.CapacityAvailable, e.At);

    // Listings can arrive out of order: the latest one wins.
    public ListedService Apply(ServiceListingChanged e) => e.At < At ? this : Create(e);
}

public sealed class CommunityServiceListedConsumer(IDocumentSession session) : IConsumer<CommunityServiceListed>
{
    public async Task Consume(ConsumeContext<CommunityServiceListed> context)
    {
        var m = context.Message;
        var stream = await session.Events.FetchForWriting<ListedService>(m.ServiceId, context.CancellationToken);
        stream.AppendOne(new ServiceListingChanged(m.ServiceId, m.ProviderId, m.Name, m.Area, m.CapacityMaximum, m.CapacityAvailable, m.At));
    }
}
