using Marten;
using ReferralNetwork.Contracts.LinkWorkers;
using ReferralNetwork.ServiceDefaults.Messaging;

namespace ReferralNetwork.CommunityProviders.Inbox;

/// <summary>A link worker referred someone to one of our providers' services: it lands in that provider's inbox.</summary>
public sealed class OnwardReferralRequestedConsumer(IDocumentSession session, TimeProvider clock)
    : IdempotentConsumer<OnwardReferralRequested>(session, clock)
{
    protected override async Task HandleAsync(OnwardReferralRequested m, CancellationToken ct)
    {
        if (await Session.Events.FetchStreamStateAsync(m.OnwardReferralId, ct) is not null)
        {
            return;
        }

        Session.Events.StartStream<ProviderReferral>(m.OnwardReferralId, new OnwardReferralArrived(
            m.OnwardReferralId, m.ReferralId, m.ProviderId, m.ServiceId, m.ServiceName, m.LinkWorkerServiceId, m.Needs, m.Note, m.Person, m.At));
    }
}
